// The QMP client against scripted servers: every wait times out, odd servers are survived.
import t, { type Test } from 'tap';
import net from 'node:net';
import path from 'node:path';
import { QmpClient, QmpClientError } from '../../src/qmp/client.ts';
import { tmpDir } from './helpers.ts';

async function scripted(t: Test, onConn: (s: net.Socket) => void): Promise<string> {
  const { dir, cleanup } = tmpDir();
  const p = path.join(dir, 's.sock');
  const sockets = new Set<net.Socket>();
  const server = net.createServer((s) => { sockets.add(s); s.on('error', () => undefined); onConn(s); });
  await new Promise<void>((r) => server.listen(p, r));
  t.teardown(async () => {
    for (const s of sockets) s.destroy();
    await new Promise<void>((r) => server.close(() => r()));
    cleanup();
  });
  return p;
}

const GREETING = '{"QMP": {"version": {"qemu": {"micro": 0, "minor": 2, "major": 7}, "package": ""}, "capabilities": []}}\r\n';

t.test('a server that never greets: connect fails within the timeout', async (t) => {
  const p = await scripted(t, () => undefined);
  const t0 = Date.now();
  await t.rejects(QmpClient.connect(p, { timeoutMs: 200 }), QmpClientError);
  t.ok(Date.now() - t0 < 2000);
});

t.test('nothing listening: connect fails', async (t) => {
  const { dir, cleanup } = tmpDir();
  t.teardown(cleanup);
  await t.rejects(QmpClient.connect(path.join(dir, 'none.sock'), { timeoutMs: 500 }), QmpClientError);
});

t.test('replies with unknown ids are dropped; events before replies are kept', async (t) => {
  const p = await scripted(t, (s) => {
    s.write(GREETING);
    let buf = '';
    s.on('data', (d) => {
      buf += d.toString();
      // Answer each complete request (our client sends one object per write here).
      let m: RegExpExecArray | null;
      const re = /"id":(\d+)\}/g;
      while ((m = re.exec(buf)) !== null) {
        const id = m[1];
        s.write('{"return": {}, "id": 999}\r\n'); // unknown id: dropped
        s.write('{"timestamp": {"seconds": 1, "microseconds": 2}, "event": "RESUME"}\r\n');
        s.write(`{"return": {"ok": ${id}}, "id": ${id}}\r\n`);
      }
      buf = buf.slice(buf.lastIndexOf('}') + 1);
    });
  });
  const c = await QmpClient.connect(p, { timeoutMs: 2000 });
  t.teardown(() => c.close());
  t.same(await c.execute('cont'), { ok: 2 });
  t.equal((await c.waitEvent('RESUME')).event, 'RESUME');
});

t.test('a server that sends garbage: pending commands fail, the client closes', async (t) => {
  const p = await scripted(t, (s) => {
    s.write(GREETING);
    s.on('data', () => s.write('this is not json\r\n'));
  });
  const c = await QmpClient.connect(p, { timeoutMs: 2000, negotiate: false });
  await t.rejects(c.execute('query-status'), QmpClientError);
  await c.closed;
});

t.test('a server that closes: pending commands fail at once', async (t) => {
  const p = await scripted(t, (s) => {
    s.write(GREETING);
    s.on('data', () => s.destroy());
  });
  const c = await QmpClient.connect(p, { timeoutMs: 5000, negotiate: false });
  const t0 = Date.now();
  await t.rejects(c.execute('query-status'), { message: /closed/ });
  t.ok(Date.now() - t0 < 2000);
});
