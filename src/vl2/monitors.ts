// QMP monitors named on the command line. They are created before the command line runs, accept
// connections, and greet only when resumed after the whole command line has been processed, so no
// QMP command can race the CLI.

import { QmpError } from '../shared/errors.ts';
import type { QmpEngine } from '../qmp/engine.ts';
import { type QmpListener, attachStdio, listenTcp, listenUnix, listenWebSocket } from '../qmp/server/transports.ts';
import type { MonitorSpec } from './cli.ts';

function hostPort(address: string, what: string): { host: string; port: number } {
  const m = /^(?:\[([^\]]+)\]|([^:]*)):(\d+)$/.exec(address);
  if (!m) throw new QmpError(`${what} expects HOST:PORT, not '${address}'`);
  const port = Number(m[3]);
  if (port > 65535) throw new QmpError(`${what}: port ${port} is out of range`);
  return { host: m[1] ?? (m[2] || '127.0.0.1'), port };
}

export async function openMonitors(engine: QmpEngine, specs: MonitorSpec[]): Promise<QmpListener[]> {
  const out: QmpListener[] = [];
  try {
    for (const m of specs) {
      const opts = { suspended: true };
      switch (m.kind) {
        case 'unix': out.push(await listenUnix(engine, m.address, opts)); break;
        case 'tcp': out.push(await listenTcp(engine, hostPort(m.address, '--qmp-tcp'), opts)); break;
        case 'websocket': out.push(await listenWebSocket(engine, hostPort(m.address, '--qmp-ws'), opts)); break;
        case 'stdio': out.push(attachStdio(engine, {}, opts)); break;
      }
    }
  } catch (e) {
    await Promise.all(out.map((l) => l.close()));
    throw e;
  }
  return out;
}
