// User-creatable objects (QEMU's -object / object-add): backends that are neither devices nor block
// nodes. Each type's members are its properties, as in QEMU's ObjectOptions.

import type { Declaration } from './dsl.ts';

export const objectSchema: Declaration[] = [
  { enum: 'ObjectType', doc: 'The user-creatable object types emu has.', data: ['secret', 'memory-backend-ram', 'rng-builtin', 'rng-random'] },
  { enum: 'QCryptoSecretFormat', doc: 'How a secret\'s data is written.', data: ['raw', 'base64'] },
  { struct: 'SecretProperties', doc: "A secret (a password or key), given inline or read from a file. emu has no consumer of secrets yet (no TLS, no encrypted images) and, unlike QEMU, no 'keyid'/'iv' decryption.",
    data: {
      '*data': { type: 'str', doc: 'The secret itself (exactly one of data and file).' },
      '*file': { type: 'str', doc: 'A file holding the secret, read when the object is created.' },
      '*format': { type: 'QCryptoSecretFormat', default: 'raw', doc: 'raw, or base64 (decoded when loaded).' },
    } },
  { struct: 'MemoryBackendProperties', doc: "Host memory for the guest: the machine's RAM when the machine's memory-backend names it.",
    data: { size: { type: 'size', doc: 'Size in bytes (keyval accepts suffixes: 256M); not zero.' } } },
  { struct: 'RngProperties', doc: "The host's cryptographic random number generator: no properties.", data: {} },
  { struct: 'RngRandomProperties', doc: 'Entropy read from a host file or device.',
    data: { '*filename': { type: 'str', default: '/dev/urandom', doc: 'The file, opened when the object is created.' } } },
  { union: 'ObjectOptions', discriminator: 'qom-type', doc: 'An object: its type, its id, and the properties of that type.',
    base: { 'qom-type': 'ObjectType', id: { type: 'str', doc: 'The object\'s name under /objects.' } },
    data: { secret: 'SecretProperties', 'memory-backend-ram': 'MemoryBackendProperties', 'rng-builtin': 'RngProperties', 'rng-random': 'RngRandomProperties' } },
  { command: 'object-add', phases: 'any', data: 'ObjectOptions', changesConfig: true,
    cli: { option: 'object', impliedKey: 'qom-type', help: 'add an object: secret,id=s0,file=pw.txt or memory-backend-ram,id=ram0,size=256M' },
    doc: 'Creates a user-creatable object under /objects.' },
  { command: 'object-del', phases: 'any', changesConfig: true, doc: 'Removes an object nothing uses.',
    data: { id: 'str' } },
];
