// qemu-img's `-o name=value,...` lists: a comma separates options, a doubled comma is a literal one.

import { QmpError } from '../shared/errors.ts';

export function parseOptionList(text: string): Map<string, string> {
  const out = new Map<string, string>();
  let cur = '';
  const push = () => {
    if (cur === '') return;
    const eq = cur.indexOf('=');
    const key = eq < 0 ? cur : cur.slice(0, eq);
    // A bare name means "on", as in QemuOpts.
    out.set(key, eq < 0 ? 'on' : cur.slice(eq + 1));
    cur = '';
  };
  for (let i = 0; i < text.length; i++) {
    if (text[i] === ',') {
      if (text[i + 1] === ',') {
        cur += ',';
        i++;
      } else push();
    } else cur += text[i];
  }
  push();
  return out;
}

export function parseOnOff(name: string, v: string): boolean {
  if (['on', 'yes', 'true'].includes(v)) return true;
  if (['off', 'no', 'false'].includes(v)) return false;
  throw new QmpError(`Parameter '${name}' expects 'on' or 'off'`);
}
