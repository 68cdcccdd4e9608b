// The short chardev syntax of -serial, -monitor and -qmp (qemu_chr_parse_compat in QEMU 7.2's
// chardev/char.c): "stdio", "null", "file:PATH", "unix:PATH,server=on,wait=off", "tcp:HOST:PORT,...",
// "mon:stdio", "vc:80Cx24C" ... turned into the options of a -chardev with a given id.

import type { QemuOpts, QemuOptsList } from '../shared/qemu-opts.ts';

/**
 * The text is not valid compat syntax. `report` is the message QEMU prints first, if any (some
 * malformed forms fail silently and only the caller's own message appears).
 */
export class CompatChardevError extends Error {
  readonly report: string | undefined;
  constructor(report?: string) {
    super(report ?? 'invalid chardev syntax');
    this.name = 'CompatChardevError';
    this.report = report;
  }
}

const SIMPLE = new Set(['null', 'pty', 'msmouse', 'wctablet', 'braille', 'testdev', 'stdio']);

/**
 * Creates a chardev instance labelled `label` in the chardev list from compat syntax. Throws
 * QemuOptsError (from shared/qemu-opts) (duplicate label, bad sub-option) or CompatChardevError (unknown syntax); in both
 * cases the list is left unchanged. `permitMuxMon` allows the "mon:" prefix.
 */
export function parseChardevCompat(list: QemuOptsList, label: string, text: string, permitMuxMon: boolean): QemuOpts {
  const opts = list.create(label);
  try {
    fill(opts, text, permitMuxMon);
    return opts;
  } catch (e) {
    list.remove(opts);
    throw e;
  }
}

function fill(opts: QemuOpts, text: string, permitMuxMon: boolean): void {
  let filename = text;
  if (filename.startsWith('mon:')) {
    if (!permitMuxMon) throw new CompatChardevError("mon: isn't supported in this context");
    filename = filename.slice(4);
    opts.set('mux', 'on');
    // Ctrl+C goes to the guest when the monitor shares stdio, as -nographic always did.
    if (filename === 'stdio') opts.set('signal', 'off');
  }
  if (SIMPLE.has(filename)) {
    opts.set('backend', filename);
    return;
  }
  if (filename.startsWith('vc')) {
    opts.set('backend', 'vc');
    const p = filename.slice(2);
    if (p.startsWith(':')) {
      const px = /^([0-9]{1,7})x([0-9]{1,7})/.exec(p.slice(1));
      const ch = /^([0-9]{1,7})Cx([0-9]{1,7})C/.exec(p.slice(1));
      if (px) {
        opts.set('width', px[1]);
        opts.set('height', px[2]);
      } else if (ch) {
        opts.set('cols', ch[1]);
        opts.set('rows', ch[2]);
      } else {
        throw new CompatChardevError();
      }
    }
    return;
  }
  if (filename === 'con:') {
    opts.set('backend', 'console');
    return;
  }
  if (filename.startsWith('COM')) {
    opts.set('backend', 'serial');
    opts.set('path', filename);
    return;
  }
  for (const [prefix, backend] of [['file:', 'file'], ['pipe:', 'pipe']] as const) {
    if (filename.startsWith(prefix)) {
      opts.set('backend', backend);
      opts.set('path', filename.slice(prefix.length));
      return;
    }
  }
  const net = /^(tcp|telnet|tn3270|websocket):/.exec(filename);
  if (net) {
    const p = filename.slice(net[0].length);
    // sscanf "%64[^:]:%32[^,]" then ":%32[^,]" for an empty host.
    let m = /^([^:]{1,64}):([^,]{1,32})/.exec(p);
    let host = '';
    let port: string;
    let pos: number;
    if (m) {
      host = m[1];
      port = m[2];
      pos = m[0].length;
    } else {
      m = /^:([^,]{1,32})/.exec(p);
      if (!m) throw new CompatChardevError();
      port = m[1];
      pos = m[0].length;
    }
    opts.set('backend', 'socket');
    opts.set('host', host);
    opts.set('port', port);
    if (p[pos] === ',') opts.doParse(p.slice(pos + 1));
    if (net[1] !== 'tcp') opts.set(net[1], 'on');
    return;
  }
  if (filename.startsWith('udp:')) {
    parseUdp(opts, filename.slice(4));
    return;
  }
  if (filename.startsWith('unix:')) {
    opts.set('backend', 'socket');
    opts.doParse(filename.slice(5), 'path');
    return;
  }
  if (filename.startsWith('/dev/parport') || filename.startsWith('/dev/ppi')) {
    opts.set('backend', 'parallel');
    opts.set('path', filename);
    return;
  }
  if (filename.startsWith('/dev/')) {
    opts.set('backend', 'serial');
    opts.set('path', filename);
    return;
  }
  throw new CompatChardevError(`'${filename}' is not a valid char driver`);
}

function parseUdp(opts: QemuOpts, p: string): void {
  // udp:[remote_host]:remote_port[@[src_ip]:src_port]
  let host = '';
  let port: string;
  let rest: string;
  let m = /^([^:]{1,64}):([^@,]{1,32})/.exec(p);
  if (m) {
    host = m[1];
    port = m[2];
    rest = p.slice(m[0].length);
  } else {
    m = /^:([^@,]{1,32})/.exec(p);
    if (!m) throw new CompatChardevError();
    port = m[1];
    rest = p.slice(m[0].length);
  }
  let localaddr: string | undefined;
  let localport: string | undefined;
  if (rest.startsWith('@')) {
    const l = /^@([^:]{1,64}):([^,]{1,32})/.exec(rest) ?? /^@:([^,]{1,32})/.exec(rest);
    if (!l) throw new CompatChardevError();
    if (l.length === 3) {
      localaddr = l[1];
      localport = l[2];
    } else {
      localaddr = '';
      localport = l[1];
    }
  }
  opts.set('backend', 'udp');
  opts.set('host', host);
  opts.set('port', port);
  if (localaddr !== undefined && localport !== undefined) {
    opts.set('localaddr', localaddr);
    opts.set('localport', localport);
  }
}
