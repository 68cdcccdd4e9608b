// Negotiation, introspection, version, the human monitor entry point and the machine document.

import { QmpError } from '../../shared/errors.ts';
import { versionInfo } from '../dispatcher.ts';
import { buildSchemaInfo } from '../schema/introspect.ts';
import type { Handlers } from './types.ts';

export const controlHandlers: Handlers<
  'qmp_capabilities' | 'query-version' | 'query-commands' | 'query-qmp-schema' | 'human-monitor-command'
  | 'x-query-machine-document' | 'x-query-dtb'
> = {
  // The QMP server answers qmp_capabilities itself during negotiation; afterwards it is refused
  // there too. Reaching the dispatcher means a transport without negotiation (CLI, config): a no-op.
  qmp_capabilities: () => ({}),
  'query-version': () => versionInfo(),
  'query-commands': (_a, ctx) => [...ctx.dispatcher.registry.commands.keys()].map((name) => ({ name })),
  'query-qmp-schema': (_a, ctx) => buildSchemaInfo(ctx.dispatcher.registry),
  'human-monitor-command': async (a, ctx) => {
    const hmp = ctx.core.host.humanMonitor;
    if (!hmp) throw new QmpError('The human monitor is not available');
    return hmp(a['command-line'], ctx);
  },
  'x-query-machine-document': (_a, ctx) => ctx.core.document(),
  'x-query-dtb': (_a, ctx) => ({ data: Buffer.from(ctx.core.dtb()).toString('base64') }),
};
