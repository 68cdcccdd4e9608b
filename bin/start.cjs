'use strict';
// Starts one of emu's binaries from its script bundle, dist/NAME.cjs, through V8's code cache, so that
// V8 neither parses the megabyte of bundle nor compiles the functions start-up runs: they come
// compiled from dist/NAME.cjs.v8cache (bench/RESULTS.md has the measurements). Node 20 has no code
// cache for ES modules, which is why the binaries are bundled as scripts.
//
// The cache is written by the build (scripts/code-cache.mjs runs each binary's start-up once), and is
// valid for one bundle (the build id on its first line), one Node version and one set of V8 flags.
// When it is missing or V8 rejects it, this run compiles from source and writes a fresh one when the
// process exits, or 3 s after start for a process that lives on; a read-only install just runs without.
// EMU_CODE_CACHE=off ignores the cache; EMU_CODE_CACHE=train always writes it at exit (the build);
// EMU_CODE_CACHE=check prints whether V8 accepts the cache (accepted, rejected, missing) and exits.
// Under --enable-source-maps the bundle is required as a plain module, without the cache.
const fs = require('node:fs');
const path = require('node:path');
const vm = require('node:vm');

// Node's CommonJS wrapper (require('node:module').wrap, without loading node:module and the ES
// module loader it brings along).
const WRAPPER = ['(function (exports, require, module, __filename, __dirname) { ', '\n});'];

// V8 refuses a code cache made under other V8 flags, and the training run ends with whatever flags
// the bundle set: a flag the bundle sets (v8.setFlagsFromString) must be set here too, before the
// bundle is compiled against its cache (test/bin/code-cache.test.ts). None is, today.
// (--always-sparkplug and --no-lazy-feedback-allocation, tried here, made a U-Boot boot ~12 % faster
// in-process but the binary ~7 % slower: start-up pays for them.)

module.exports = function start(name) {
  const file = path.join(__dirname, '..', 'dist', `${name}.cjs`);
  // Node maps stack traces through source maps only for modules it loads itself, not for vm scripts.
  if (process.sourceMapsEnabled) {
    require(file);
    return;
  }
  const cacheFile = `${file}.v8cache`;
  // The build keeps the bundles ASCII, so latin1 reads them without decoding UTF-8.
  const source = fs.readFileSync(file, 'latin1');
  const mode = process.env.EMU_CODE_CACHE || 'on';
  const key = `emu-code-cache ${source.slice(0, source.indexOf('\n'))} ${process.version} ${process.arch}`;
  let cachedData;
  if (mode === 'on' || mode === 'check') {
    try {
      // key, payload length, newline, payload. V8 does not checksum the payload (a damaged one aborts
      // the process), so at least a short file is refused here.
      const b = fs.readFileSync(cacheFile);
      const nl = b.indexOf(10);
      const [k, n] = [b.toString('latin1', 0, b.lastIndexOf(32, nl)), Number(b.toString('latin1', b.lastIndexOf(32, nl) + 1, nl))];
      if (k === key && n === b.length - nl - 1) cachedData = b.subarray(nl + 1);
    } catch {
      // no cache yet
    }
  }
  const script = new vm.Script(WRAPPER[0] + source + WRAPPER[1], { filename: file, cachedData });
  if (mode === 'check') {
    process.stdout.write(cachedData === undefined ? 'missing\n' : script.cachedDataRejected ? 'rejected\n' : 'accepted\n');
    return;
  }
  if (mode === 'train' || (mode === 'on' && (cachedData === undefined || script.cachedDataRejected))) {
    let written = false;
    const write = () => {
      if (written) return;
      written = true;
      // The functions compiled so far go into the cache; a rename keeps concurrent starts from
      // reading a half-written file.
      const tmp = `${cacheFile}.${process.pid}.tmp`;
      try {
        const data = script.createCachedData();
        fs.writeFileSync(tmp, Buffer.concat([Buffer.from(`${key} ${data.length}\n`, 'latin1'), data]));
        fs.renameSync(tmp, cacheFile);
      } catch {
        try { fs.unlinkSync(tmp); } catch { /* nothing was written */ }
      }
    };
    process.once('exit', write);
    if (mode === 'on') setTimeout(write, 3000).unref();
  }
  // The bundles require only Node's built-in modules (and ws's optional add-ons, from node_modules
  // above bin/ as above dist/), so this module's require serves them.
  const mod = { exports: {}, filename: file, id: file };
  script.runInThisContext().call(mod.exports, mod.exports, require, mod, file, path.dirname(file));
};
