// A QMP monitor on a chardev (QEMU's -mon chardev=X,mode=control, -qmp unix:...): every connection of
// the chardev's peer (for a socket chardev, each client in turn) gets a fresh QMP session.

import type { Chardev, FrontendLink } from '../hw/chardev/index.ts';
import type { QmpEngine } from './engine.ts';
import type { QmpSession } from './server/session.ts';
import { QmpSessions } from './server/transports.ts';
import { prettyQmp } from './wire/pretty.ts';

export interface ChardevMonitorOptions {
  /** QEMU's pretty=on: each message indented over several CRLF-terminated lines. */
  pretty?: boolean;
}

export function attachQmpMonitor(engine: QmpEngine, chardev: Chardev, opts: ChardevMonitorOptions = {}): { close(): void } {
  const sessions = new QmpSessions(engine);
  const format = opts.pretty ? prettyQmp : (m: string) => m;
  let session: QmpSession | undefined;
  let link: FrontendLink | undefined;
  const open = () => {
    session?.close();
    session = sessions.open('chardev', {
      send: (messages) => link?.write(`${messages.map(format).join('\r\n')}\r\n`),
      pauseInput: () => {},
      resumeInput: () => {},
    });
  };
  link = chardev.attach({
    receive: (data) => session?.feed(Buffer.from(data)),
    event: (e) => {
      if (e === 'opened') open();
      if (e === 'closed') {
        session?.close();
        session = undefined;
      }
    },
  });
  link.setOpen(true);
  if (chardev.connected) open();
  return {
    close: () => {
      session?.close();
      link?.detach();
    },
  };
}
