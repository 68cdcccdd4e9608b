// The launcher bin/emu was before the code cache: an import of the ES module bundle. startup-bench
// runs it beside today's bin/emu so the comparison can be repeated (dist/emu.js is still built).
await import('../../dist/emu.js');
