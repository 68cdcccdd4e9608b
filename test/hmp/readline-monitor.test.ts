// The readline monitor over in-memory chardevs and over a pair of Node streams, driving a real core.

import t from 'tap';
import { PassThrough } from 'node:stream';
import { createCore } from '../../src/qmp/core.ts';
import { type ChardevFrontend, type MonitorChardev, ReadlineMonitor, startReadlineMonitor, streamChardev } from '../../src/qmp/hmp/readline-monitor.ts';
import { EMU_VERSION } from '../../src/shared/version.ts';
import { emptyCore, machineCore } from './helpers.ts';

const BANNER = `emu ${EMU_VERSION} monitor - type 'help' for more information\r\n(qemu) `;

class MemChardev implements MonitorChardev {
  output = '';
  detached = false;
  private frontend: ChardevFrontend | undefined;
  write(data: Uint8Array): void {
    this.output += Buffer.from(data).toString('utf8');
  }
  attach(f: ChardevFrontend): void {
    this.frontend = f;
  }
  detach(): void {
    this.detached = true;
    this.frontend = undefined;
  }
  type(s: string | Uint8Array): void {
    this.frontend?.input(typeof s === 'string' ? Buffer.from(s, 'utf8') : s);
  }
  eof(): void {
    this.frontend?.eof();
  }
  /** Waits until the output ends with `tail` (the prompt after a command, usually). */
  async until(pred: (out: string) => boolean): Promise<void> {
    for (let i = 0; i < 2000 && !pred(this.output); i++) await new Promise((r) => setTimeout(r, 2));
    if (!pred(this.output)) throw new Error(`timed out; output so far: ${JSON.stringify(this.output)}`);
  }
  async prompts(n: number): Promise<void> {
    await this.until((o) => o.split('(qemu) ').length - 1 >= n && o.endsWith('(qemu) '));
  }
}

t.test('banner, prompt, commands and their output', async (t) => {
  const f = await machineCore();
  t.teardown(f.close);
  const c = new MemChardev();
  const m = startReadlineMonitor(f.core, c);
  t.equal(c.output, BANNER, "QEMU's banner with emu's name and version, then QEMU's prompt");
  c.type('info status\n');
  await c.prompts(2);
  t.equal(c.output, `${BANNER}VM status: paused (prelaunch)\r\n(qemu) `);
  c.output = '';
  // Several lines in one chunk, one line split across chunks, CRLF and bare CR line ends.
  c.type('cont\r\ninfo st');
  c.type('atus\rbogus\nstop\n');
  await c.prompts(4);
  t.equal(c.output, "(qemu) VM status: running\r\n(qemu) unknown command: 'bogus'\r\n(qemu) (qemu) ");
  t.same(f.events.map((e) => e.event), ['RESUME', 'STOP']);
  c.output = '';
  c.type('\n');
  await c.prompts(1);
  t.equal(c.output, '(qemu) ', 'an empty line gives a new prompt');
  c.eof();
  await m.closed;
  t.ok(c.detached, 'the chardev is released at the end of input');
});

t.test('end of input: the last line runs even without a newline', async (t) => {
  const f = await machineCore();
  t.teardown(f.close);
  const c = new MemChardev();
  let closes = 0;
  const m = startReadlineMonitor(f.core, c, { onClose: () => closes++ });
  c.type('info name\ninfo uuid');
  c.eof();
  await m.closed;
  t.equal(c.output, `${BANNER}myguest\r\n(qemu) 00000000-0000-0000-0000-000000000000\r\n(qemu) `);
  t.equal(closes, 1);
  c.type('info status\n');
  await new Promise((r) => setTimeout(r, 20));
  t.equal(c.output.endsWith('00000000-0000-0000-0000-000000000000\r\n(qemu) '), true, 'nothing runs after close');
});

t.test('Ctrl-D ends the session on an empty line only', async (t) => {
  const f = await machineCore();
  t.teardown(f.close);
  const c = new MemChardev();
  const m = startReadlineMonitor(f.core, c);
  let closed = false;
  void m.closed.then(() => { closed = true; });
  c.type('info na\x04me\n');
  await c.prompts(2);
  t.equal(c.output, `${BANNER}myguest\r\n(qemu) `, 'Ctrl-D inside a line is ignored');
  t.notOk(closed);
  c.type('\x04info status\n');
  await m.closed;
  await new Promise((r) => setTimeout(r, 10));
  t.equal(c.output, `${BANNER}myguest\r\n(qemu) `, 'input after Ctrl-D is not run');
  t.ok(c.detached);
});

t.test('echo and line editing for raw terminals', async (t) => {
  const f = await machineCore();
  t.teardown(f.close);
  const c = new MemChardev();
  startReadlineMonitor(f.core, c, { echo: true });
  c.type('info nax\x7fme\r');
  await c.prompts(2);
  t.equal(c.output, `${BANNER}info nax\b \bme\r\nmyguest\r\n(qemu) `);
  c.output = '';
  // Up arrow recalls the previous line (redrawn in place), Enter runs it.
  c.type('\x1b[A');
  await c.until((o) => o.includes('info name'));
  t.equal(c.output, '\r(qemu) info name\x1b[K');
  c.type('\r');
  await c.prompts(1);
  t.equal(c.output, '\r(qemu) info name\x1b[K\r\nmyguest\r\n(qemu) ');
  c.output = '';
  // Ctrl-U clears the line; other escape sequences and control characters are ignored.
  c.type('junk\x15\x1b[C\x1b[1;5D\x01\tinfo uuid\r');
  await c.prompts(1);
  t.match(c.output, /info uuid\r\n00000000-0000-0000-0000-000000000000\r\n\(qemu\) $/);
  t.notMatch(c.output, 'unknown command');
});

t.test('suspended until resume: input waits, the banner comes first', async (t) => {
  const f = await machineCore();
  t.teardown(f.close);
  const c = new MemChardev();
  const m = startReadlineMonitor(f.core, c, { suspended: true });
  c.type('info name\n');
  await new Promise((r) => setTimeout(r, 10));
  t.equal(c.output, '', 'nothing before resume');
  m.resume();
  await c.prompts(2);
  t.equal(c.output, `${BANNER}myguest\r\n(qemu) `);
  m.resume();
  t.equal(c.output, `${BANNER}myguest\r\n(qemu) `, 'resume twice greets once');
  m.close();
  await m.closed;
});

t.test('commands run in order with QMP commands of other clients', async (t) => {
  const f = await machineCore();
  t.teardown(f.close);
  const c = new MemChardev();
  startReadlineMonitor(f.core, c);
  const qmp = f.run('cont');
  c.type('info status\nstop\ninfo status\n');
  await qmp;
  await c.prompts(4);
  t.equal(c.output, `${BANNER}VM status: running\r\n(qemu) (qemu) VM status: paused\r\n(qemu) `);
});

t.test('quit through the monitor reaches the host', async (t) => {
  const f = await machineCore();
  t.teardown(f.close);
  let quit = false;
  f.core.vm.host.quit = () => { quit = true; };
  const c = new MemChardev();
  startReadlineMonitor(f.core, c);
  c.type('q\n');
  await c.prompts(2);
  t.ok(quit);
  t.same(f.events.at(-1), { event: 'SHUTDOWN', data: { guest: false, reason: 'host-qmp-quit' } });
});

t.test('without the human monitor installed, errors are printed', async (t) => {
  const core = createCore();
  const c = new MemChardev();
  startReadlineMonitor(core, c);
  c.type('info status\n');
  await c.prompts(2);
  t.equal(c.output, `${BANNER}Error: The human monitor is not available\r\n(qemu) `);
});

t.test('a custom runner and a runner that fails; Ctrl-C', async (t) => {
  const c = new MemChardev();
  let interrupts = 0;
  const m = new ReadlineMonitor(c, {
    name: 'x', version: '1', prompt: '> ', onInterrupt: () => interrupts++,
    run: async (line) => {
      if (line === 'boom') throw new Error('bug');
      return `ran ${line}\r\n`;
    },
  });
  c.type('a\x03\nboom\n');
  await c.until((o) => o.endsWith('Error: bug\r\n> '));
  t.equal(c.output, "x 1 monitor - type 'help' for more information\r\n> ran a\r\n> Error: bug\r\n> ");
  t.equal(interrupts, 1);
  m.close();
});

t.test('over a pair of Node streams (stdio-like), UTF-8 split across chunks', async (t) => {
  const f = emptyCore();
  t.teardown(f.close);
  await f.run('machine-set', { type: 'virt', name: 'gäst' });
  const input = new PassThrough();
  const output = new PassThrough();
  let text = '';
  output.on('data', (d: Buffer) => { text += d.toString('utf8'); });
  const m = startReadlineMonitor(f.core, streamChardev(input, output));
  input.write('info na');
  input.write('me\n');
  input.write(Buffer.from('info qom-tree /g\xc3', 'latin1'));
  input.write(Buffer.from('\xa4st\n', 'latin1'));
  input.end();
  await m.closed;
  t.equal(text, `${BANNER}gäst\r\n(qemu) Path '/gäst' could not be resolved.\r\n(qemu) `);
});
