// The readline monitor's byte channel over one of emu's chardevs (src/hw/chardev), so `-monitor
// stdio`, `mon:stdio` (muxed with the serial port) and `-mon chardev=X` serve the human monitor.

import type { Chardev, FrontendLink } from '../../hw/chardev/index.ts';
import type { MonitorChardev } from './readline-monitor.ts';

export function monitorOverChardev(chardev: Chardev): MonitorChardev {
  let link: FrontendLink | undefined;
  return {
    write: (data) => link?.write(data),
    attach(frontend) {
      link = chardev.attach({
        receive: (d) => frontend.input(d),
        event: (e) => {
          if (e === 'closed') frontend.eof();
          else if (e === 'mux-in' || e === 'mux-out') frontend.focus?.(e === 'mux-in');
        },
      });
      // On a mux a frontend is off screen until it is given the focus ('mux-in').
      if (chardev.kind === 'mux') frontend.focus?.(false);
      link.setOpen(true);
    },
    detach() {
      link?.detach();
      link = undefined;
    },
  };
}
