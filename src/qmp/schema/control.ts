// The QMP session itself: negotiation, introspection, the human monitor, and the machine document.

import type { Declaration } from './dsl.ts';

export const controlSchema: Declaration[] = [
  { enum: 'QMPCapability', doc: 'QMP capabilities a client may enable.', data: ['oob'] },
  { command: 'qmp_capabilities', phases: 'any',
    doc: 'Ends capabilities negotiation. The QMP server handles it; running it again is refused.',
    data: { '*enable': { type: ['QMPCapability'], doc: 'Capabilities to enable.' } } },
  { struct: 'VersionTriple', doc: 'A version number.', data: { major: 'int', minor: 'int', micro: 'int' } },
  { struct: 'VersionInfo', doc: 'The QEMU version emu is compatible with, and emu itself as the package.',
    data: { qemu: 'VersionTriple', package: 'str' } },
  { command: 'query-version', phases: 'any', returns: 'VersionInfo', doc: 'Returns the version information.' },
  { struct: 'CommandInfo', doc: 'A command name.', data: { name: 'str' } },
  { command: 'query-commands', phases: 'any', returns: ['CommandInfo'], doc: 'Lists the commands.' },
  { command: 'query-qmp-schema', phases: 'any', returns: ['any'],
    doc: "Returns the schema as QEMU's SchemaInfo list (type names are real names, not QEMU's numbers)." },
  { command: 'human-monitor-command', phases: 'any', returns: 'str',
    doc: 'Runs a human monitor command line and returns its output.',
    data: { 'command-line': 'str', '*cpu-index': 'int' } },
  { command: 'x-query-machine-document', phases: 'any', returns: 'any', features: ['unstable'],
    doc: "Returns the machine document: the machine's whole configuration as one canonical JSON value (docs/CONFIG.md)." },
  { struct: 'DtbInfo', doc: 'A device tree blob.', data: { data: { type: 'str', doc: 'The DTB, base64-encoded.' } } },
  { command: 'x-query-dtb', phases: ['machine-initialized', 'machine-ready'], returns: 'DtbInfo', features: ['unstable'],
    doc: 'Returns the device tree the guest will see (as -machine dumpdtb=FILE writes it).' },
];
