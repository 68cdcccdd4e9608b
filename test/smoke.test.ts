import t from 'tap';
import { QmpError } from '../src/shared/errors.ts';
import { EMU_VERSION } from '../src/shared/version.ts';

t.test('errors carry a QMP class', async (t) => {
  const e = new QmpError('Device \'x\' not found', 'DeviceNotFound');
  t.same(e.toQmp(), { class: 'DeviceNotFound', desc: "Device 'x' not found" });
  t.match(EMU_VERSION, /^\d+\.\d+\.\d+/);
});
