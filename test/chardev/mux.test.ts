import t from 'tap';
import { QmpError } from '../../src/shared/errors.ts';
import {
  Chardev, createChardev, MUX_EXIT_TEXT, MuxChardev, muxHelpText, type ChardevFrontend,
} from '../../src/hw/chardev/index.ts';
import { Recorder, tick, waitFor } from './helpers.ts';

/** A backend the test types into and reads from, like a terminal. */
class FakeTerminal extends Chardev {
  readonly kind = 'null' as const;
  out = '';
  describe(): string {
    return 'fake';
  }
  type(text: string): void {
    this.deliver(Buffer.from(text, 'latin1'));
  }
  protected doOpen(): void {}
  protected doClose(): void {}
  protected writeBytes(data: Uint8Array): void {
    this.out += Buffer.from(data).toString('latin1');
  }
}

// C-a h as qemu-system-riscv64 7.2 -nographic wrote it (captured on a pty; the tty added a \r
// before each \n).
const QEMU_HELP = '\n\r'
  + 'C-a h    print this help\n\r'
  + 'C-a x    exit emulator\n\r'
  + 'C-a s    save disk data back to file (if -snapshot)\n\r'
  + 'C-a t    toggle console timestamps\n\r'
  + 'C-a b    send break (magic sysrq)\n\r'
  + 'C-a c    switch between console and monitor\n\r'
  + 'C-a C-a  sends C-a\n\r';

async function setup(opts: ConstructorParameters<typeof MuxChardev>[2] = {}) {
  const term = new FakeTerminal('st0-base');
  const mux = new MuxChardev('st0', term, opts);
  await mux.open();
  const monitor = new Recorder().attachTo(mux);
  const serial = new Recorder().attachTo(mux);
  await tick();
  return { term, mux, monitor, serial };
}

t.test('describe, focus on the last frontend attached, events', async (t) => {
  const { term, mux, monitor, serial } = await setup();
  t.equal(mux.describe(), 'mux');
  t.equal(term.describe(), 'fake');
  t.equal(mux.focusIndex, 1);
  t.same(serial.events, ['mux-in', 'opened']);
  t.same(monitor.events, ['opened'], 'the monitor never had the focus');
  term.type('abc');
  t.equal(serial.text, 'abc');
  t.equal(monitor.text, '');
  serial.link.write('guest\n');
  monitor.link.write('(qemu) ');
  t.equal(term.out, 'guest\n(qemu) ', 'both frontends write to the terminal');
  t.equal(mux.frontendOpen, false);
  monitor.link.setOpen(true);
  t.equal(mux.frontendOpen, true);
  await mux.close();
  await term.close();
});

t.test('C-a c switches, C-a C-a is a literal C-a, unknown escapes are swallowed', async (t) => {
  const { term, mux, monitor, serial } = await setup();
  term.type('1\x01c2');
  t.equal(serial.text, '1');
  t.equal(monitor.text, '2');
  t.same(serial.events, ['mux-in', 'opened', 'mux-out']);
  t.same(monitor.events, ['opened', 'mux-in']);
  term.type('\x01');
  term.type('c3'); // an escape split across reads
  t.equal(serial.text, '13');
  term.type('\x01\x01|\x01z|\x01');
  t.equal(serial.text, '13\x01||');
  term.type('\x01');
  t.equal(serial.text, '13\x01||\x01', 'escape state survives a chunk boundary');
  monitor.link.takeFocus();
  term.type('m');
  t.equal(monitor.text, '2m');
  t.equal(term.out, '', 'nothing echoed');
  await mux.close();
  await term.close();
});

t.test('C-a h and C-a ? print QEMU 7.2 help; C-a x exits', async (t) => {
  let exits = 0;
  let commits = 0;
  const { term, mux, serial } = await setup({ onExit: () => exits++, onCommit: () => commits++ });
  term.type('\x01h');
  t.equal(term.out, QEMU_HELP);
  term.out = '';
  term.type('\x01?');
  t.equal(term.out, QEMU_HELP);
  t.equal(muxHelpText(), QEMU_HELP);
  t.equal(muxHelpText(0x05).split('\n\r')[1], 'C-e h    print this help');
  // Observed with -echr 0x1d.
  t.equal(muxHelpText(0x1d), '\n\rEscape-Char set to Ascii: 0x1d\n\r\n\r'
    + 'Escape-Char h    print this help\n\rEscape-Char x    exit emulator\n\r'
    + 'Escape-Char s    save disk data back to file (if -snapshot)\n\rEscape-Char t    toggle console timestamps\n\r'
    + 'Escape-Char b    send break (magic sysrq)\n\rEscape-Char c    switch between console and monitor\n\r'
    + 'Escape-Char Escape-Char  sends Escape-Char\n\r');
  term.out = '';
  term.type('\x01s');
  t.equal(commits, 1);
  term.type('\x01b');
  t.same(serial.events.slice(-1), ['break']);
  term.type('\x01x');
  t.equal(term.out, 'QEMU: Terminated\n\r');
  t.equal(MUX_EXIT_TEXT, 'QEMU: Terminated\n\r');
  t.equal(exits, 1);
  t.equal(serial.text, '', 'no escape reached the guest');
  await mux.close();
  await term.close();
});

t.test('another escape character (-echr)', async (t) => {
  const { term, mux, monitor, serial } = await setup({ escapeChar: 0x14 });
  term.type('\x01c\x14c!');
  t.equal(serial.text, '\x01c');
  t.equal(monitor.text, '!');
  term.type('\x14h');
  t.match(term.out, /^\n\rC-t h    print this help\n\r/);
  await mux.close();
  await term.close();
});

t.test('C-a t timestamps output lines as QEMU does', async (t) => {
  let now = 1_000_000;
  const { term, mux, serial } = await setup({ now: () => now });
  term.type('\x01t');
  t.equal(mux.timestamping, true);
  serial.link.write('first line\nsecond');
  now += 3_723_456; // 1 h 2 min 3.456 s
  serial.link.write(' line\nthird\n');
  t.equal(term.out, 'first line\n[00:00:00.000] second line\n[01:02:03.456] third\n');
  term.type('\x01t');
  serial.link.write('plain\n');
  t.equal(term.out.slice(-6), 'plain\n');
  await mux.close();
  await term.close();
});

t.test('at most four frontends; detach hands the focus on', async (t) => {
  const term = new FakeTerminal('b');
  const mux = new MuxChardev('m', term);
  await mux.open();
  const fes = [new Recorder(), new Recorder(), new Recorder(), new Recorder()];
  for (const fe of fes) fe.attachTo(mux);
  t.throws(() => mux.attach(new Recorder()), new QmpError("Device 'm' is in use"));
  t.throws(() => term.attach(new Recorder()), new QmpError("Device 'b' is in use"), 'the shared chardev is taken');
  await tick();
  t.equal(mux.focusIndex, 3);
  fes[3].link.detach();
  await tick();
  t.equal(mux.focusIndex, 2);
  t.same(fes[2].events.slice(-1), ['mux-in']);
  term.type('x');
  t.equal(fes[2].text, 'x');
  await mux.close();
  await term.close();
});

t.test('input for a busy frontend waits in the mux; escapes still work', async (t) => {
  const { term, mux, monitor, serial } = await setup();
  serial.room = 4;
  term.type('0123456789');
  t.equal(serial.text, '0123');
  serial.grant(3);
  t.equal(serial.text, '0123456');
  term.type('\x01cmon');
  t.equal(monitor.text, 'mon', 'the monitor is served while the serial port is full');
  serial.grant(100);
  t.equal(serial.text, '0123456789');
  await mux.close();
  await term.close();
});

t.test('mux over a real chardev through createChardev', async (t) => {
  const base = createChardev('st0-base', { type: 'ringbuf', data: { size: 64 } });
  await base.open();
  const mux = createChardev('st0', { type: 'mux', data: { chardev: 'st0-base' } }, {
    lookup: (id) => (id === 'st0-base' ? base : undefined),
  });
  await mux.open();
  const fe: ChardevFrontend & { got: string[] } = { got: [], receive() {}, event(e) { this.got.push(e); } };
  const link = mux.attach(fe);
  await waitFor(() => fe.got.includes('opened'), 'opened');
  link.write('hello');
  t.equal((base as unknown as { qmpRead(n: number): string }).qmpRead(100), 'hello');
  t.equal(mux.describe(), 'mux');
  t.equal(base.describe(), 'ringbuf');
  await mux.close();
  t.equal(base.isClosed, false, 'closing the mux leaves the shared chardev to its owner');
  await base.close();
});
