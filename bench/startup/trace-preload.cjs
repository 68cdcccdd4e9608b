'use strict';
// Preloaded with `node -r` by breakdown.ts: records the process's CPU time (all threads, µs) at the
// points where start-up changes hands, and prints them as JSON on stderr when the first QMP bytes
// (the greeting) are written. Loads nothing beyond what Node has already loaded, except vm and net,
// which emu loads anyway.
const t = (name) => { const u = process.cpuUsage(); marks.push([name, u.user + u.system, performance.now()]); };
const marks = [];
t('node');
const vm = require('node:vm');
const { Script } = vm;
vm.Script = class extends Script {
  constructor(...a) {
    t('bin+read');
    super(...a);
    t('compile');
  }
  runInThisContext(...a) {
    const fn = super.runInThisContext(...a);
    return function (...b) {
      const r = fn.apply(this, b);
      t('top-level');
      return r;
    };
  }
};
const net = require('node:net');
const write = net.Socket.prototype.write;
net.Socket.prototype.write = function (...a) {
  if (marks.at(-1)[0] !== 'to-greeting') {
    t('to-greeting');
    process.stderr.write(`EMU-STARTUP-TRACE ${JSON.stringify(marks)}\n`);
  }
  return write.apply(this, a);
};
t('preload');
