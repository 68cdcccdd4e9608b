// Chardevs: backends for the UART and the monitors (src/hw/chardev opens the host side).

import { QmpError } from '../../shared/errors.ts';
import type { Handlers } from './types.ts';

const ID_RE = /^[A-Za-z][A-Za-z0-9_.-]*$/;

export const charHandlers: Handlers<'chardev-add' | 'chardev-remove' | 'query-chardev' | 'ringbuf-write' | 'ringbuf-read'> = {
  'chardev-add': async (a, { core, source }) => {
    if (!ID_RE.test(a.id)) throw new QmpError(`Parameter 'id' expects an identifier`);
    if (core.chardevs.has(a.id)) throw new QmpError(`attempt to add duplicate property '${a.id}' to object (type 'container')`);
    await core.addChardev(a.id, a.backend as unknown as Record<string, unknown>, source === 'cli' || source === 'config');
    return {};
  },
  'chardev-remove': (a, { core }) => core.removeChardev(a.id),
  'query-chardev': (_a, { core }) => [...core.chardevs.values()].map((c) => ({
    label: c.id, filename: core.describeChardev(c), 'frontend-open': c.chardev?.frontendOpen ?? c.user !== undefined,
  })),
  'ringbuf-write': (a, { core }) => core.ringbufWrite(a.device, a.data, a.format ?? 'utf8'),
  'ringbuf-read': (a, { core }) => core.ringbufRead(a.device, a.size, a.format ?? 'utf8'),
};
