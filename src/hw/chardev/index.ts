// Chardev backends, built from QMP's ChardevBackend. The one place that maps a backend type to its
// class; everything else in emu holds a Chardev and uses the contract in chardev.ts.

import { QmpError } from '../../shared/errors.ts';
import type { Chardev, ChardevBackend } from './chardev.ts';
import { FileChardev } from './file.ts';
import { MuxChardev, type MuxOptions } from './mux.ts';
import { NullChardev } from './null.ts';
import { PipeChardev } from './pipe.ts';
import { RingbufChardev } from './ringbuf.ts';
import { SocketChardev } from './socket.ts';
import { StdioChardev, type StdioHost } from './stdio.ts';

export * from './chardev.ts';
export { FileChardev } from './file.ts';
export { MuxChardev, MUX_EXIT_TEXT, MUX_MAX_FRONTENDS, muxHelpText, type MuxOptions } from './mux.ts';
export { NullChardev } from './null.ts';
export { PipeChardev } from './pipe.ts';
export { RingbufChardev, RINGBUF_DEFAULT_SIZE, type DataFormat } from './ringbuf.ts';
export { SocketChardev, type SocketHost } from './socket.ts';
export { StdioChardev, type StdioHost } from './stdio.ts';

/** What the surrounding process provides to the backends it creates. */
export interface ChardevHost {
  /** Replaces the process's stdin/stdout for stdio chardevs. */
  stdio?: StdioHost;
  /** Reports a reconnecting socket client's connection failure (default: stderr). */
  report?: (message: string) => void;
  /** Finds the chardev a `mux` backend shares. */
  lookup?: (id: string) => Chardev | undefined;
  /** Escape handling of `mux` backends (C-a x, C-a s). */
  mux?: Omit<MuxOptions, 'logfile' | 'logappend'>;
}

/** Builds a chardev (validating its options) without touching the host; open() does that. */
export function createChardev(id: string, backend: ChardevBackend, host: ChardevHost = {}): Chardev {
  switch (backend.type) {
    case 'null':
      return new NullChardev(id, backend.data ?? {});
    case 'file':
      return new FileChardev(id, backend.data);
    case 'stdio':
      return new StdioChardev(id, backend.data ?? {}, host.stdio);
    case 'socket':
      return new SocketChardev(id, backend.data, { report: host.report });
    case 'ringbuf':
    case 'memory':
      return new RingbufChardev(id, backend.data ?? {}, backend.type);
    case 'pipe':
      return new PipeChardev(id, backend.data);
    case 'mux': {
      const target = host.lookup?.(backend.data.chardev);
      if (!target) throw new QmpError(`chardev "${backend.data.chardev}" not found`);
      return new MuxChardev(id, target, { ...host.mux, ...backend.data });
    }
    default:
      throw new QmpError(`'${(backend as { type: string }).type}' is not a valid char driver name`);
  }
}

/** createChardev, then open(); a chardev that fails to open is closed again and the error thrown. */
export async function openChardev(id: string, backend: ChardevBackend, host: ChardevHost = {}): Promise<Chardev> {
  const chr = createChardev(id, backend, host);
  try {
    await chr.open();
  } catch (e) {
    await chr.close();
    throw e;
  }
  return chr;
}
