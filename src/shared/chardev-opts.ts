// QEMU's flat -chardev syntax (`socket,id=c0,path=/tmp/s,server=on,wait=off`) translated into
// chardev-add arguments (`{id, backend: {type, data}}`), as QEMU's qemu_chr_parse_* functions do.
// Both front ends accept this syntax, so it lives here rather than in either of them.

import { QmpError } from './errors.ts';
import { parseBool } from './qemu-opts.ts';
import { parseSizeBig } from './size.ts';

export interface ChardevAddArgs {
  id: string;
  backend: { type: string; data: Record<string, unknown> };
}

const COMMON = ['id', 'logfile', 'logappend', 'mux'];
const KEYS: Record<string, string[]> = {
  null: [],
  file: ['path', 'append', 'input-path'],
  stdio: ['signal'],
  socket: ['path', 'host', 'port', 'to', 'ipv4', 'ipv6', 'server', 'wait', 'nodelay', 'telnet', 'reconnect', 'abstract', 'tight'],
  ringbuf: ['size'],
  memory: ['size'],
  pipe: ['path'],
};

function bool(opts: Record<string, string>, key: string): boolean | undefined {
  return opts[key] === undefined ? undefined : parseBool(key, opts[key]);
}

function defined(o: Record<string, unknown>): Record<string, unknown> {
  for (const k of Object.keys(o)) if (o[k] === undefined) delete o[k];
  return o;
}

/**
 * Translates parsed flat options (backend name under `backend`, the rest as strings) into one or
 * two chardev-add argument sets: `mux=on` adds a mux chardev over `<id>-base`, as QEMU does.
 */
export function chardevFromOpts(backendName: string, opts: Record<string, string>): ChardevAddArgs[] {
  const keys = KEYS[backendName];
  if (!keys) throw new QmpError(`'${backendName}' is not a valid char driver name`);
  for (const k of Object.keys(opts)) {
    if (!COMMON.includes(k) && !keys.includes(k)) throw new QmpError(`Invalid parameter '${k}'`);
  }
  const id = opts.id;
  if (id === undefined) throw new QmpError('chardev: no id specified');
  const common = defined({ logfile: opts.logfile, logappend: bool(opts, 'logappend') });
  let data: Record<string, unknown>;
  switch (backendName) {
    case 'null':
      data = { ...common };
      break;
    case 'file':
      if (opts.path === undefined) throw new QmpError('chardev: file: no filename given');
      data = defined({ ...common, out: opts.path, in: opts['input-path'], append: bool(opts, 'append') });
      break;
    case 'stdio':
      data = defined({ ...common, signal: bool(opts, 'signal') });
      break;
    case 'ringbuf':
    case 'memory':
      data = defined({ ...common, size: opts.size === undefined ? undefined : Number(parseSizeBig(opts.size)) });
      break;
    case 'pipe':
      if (opts.path === undefined) throw new QmpError('chardev: pipe: no device path given');
      data = { ...common, device: opts.path };
      break;
    case 'socket': {
      const path = opts.path;
      const host = opts.host;
      const port = opts.port;
      if (path === undefined && port === undefined) throw new QmpError('chardev: socket: no host given');
      if (path !== undefined && (host !== undefined || port !== undefined)) {
        throw new QmpError('chardev: socket: both path and host/port given');
      }
      const addr = path !== undefined
        ? { type: 'unix', data: defined({ path, abstract: bool(opts, 'abstract'), tight: bool(opts, 'tight') }) }
        : { type: 'inet', data: defined({ host: host ?? '', port: port!, ipv4: bool(opts, 'ipv4'), ipv6: bool(opts, 'ipv6'),
            to: opts.to === undefined ? undefined : Number(opts.to) }) };
      const server = bool(opts, 'server') ?? false;
      data = defined({
        ...common, addr, server,
        wait: server ? (bool(opts, 'wait') ?? true) : undefined,
        nodelay: bool(opts, 'nodelay'), telnet: bool(opts, 'telnet'),
        reconnect: opts.reconnect === undefined ? undefined : Number(opts.reconnect),
      });
      break;
    }
    default:
      throw new QmpError(`'${backendName}' is not a valid char driver name`);
  }
  if (bool(opts, 'mux')) {
    return [
      { id: `${id}-base`, backend: { type: backendName, data } },
      { id, backend: { type: 'mux', data: { chardev: `${id}-base` } } },
    ];
  }
  return [{ id, backend: { type: backendName, data } }];
}
