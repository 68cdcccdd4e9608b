// How tests and the compat runner start emu's binaries: as a user starts them, without the test
// harness's preloads.
//
// tap runs a test file with NODE_OPTIONS=--import=@tapjs/processinfo/…, a module loader (on its own
// thread on Node 20) that records every process and module for coverage, which is off in this
// project. In a child it doubles what emu costs: a compat variant took 0.31 s of CPU under
// `npm run compat` and 0.70 s under tap. Setting the spawn's environment is not enough: the loader
// also hooks child_process in the test process and puts itself back into every child's
// NODE_OPTIONS. So children are started through env(1), which sets the variable last and execs the
// program in the same process: the PID a test kills is the program's.

/** The environment without the harness's preloads; the user's own NODE_OPTIONS stay. */
export function childEnv(env: NodeJS.ProcessEnv = process.env): NodeJS.ProcessEnv {
  const out = { ...env };
  const opts = (env.NODE_OPTIONS ?? '').match(/"[^"]*"|'[^']*'|\S+/g) ?? [];
  const kept = opts.filter((o) => !o.includes('@tapjs/'));
  if (kept.length) out.NODE_OPTIONS = kept.join(' ');
  else delete out.NODE_OPTIONS;
  return out;
}

/** The command that runs `program` (any executable, e.g. bin/emu) with childEnv()'s NODE_OPTIONS. */
export function harnessFreeCommand(program: string, args: string[], env: NodeJS.ProcessEnv = process.env): [string, string[]] {
  const opts = childEnv(env).NODE_OPTIONS;
  return ['/usr/bin/env', [...(opts !== undefined ? [`NODE_OPTIONS=${opts}`] : ['-u', 'NODE_OPTIONS']), program, ...args]];
}

/** The same for a JavaScript file run by this Node. */
export function nodeCommand(script: string, args: string[], env: NodeJS.ProcessEnv = process.env): [string, string[]] {
  return harnessFreeCommand(process.execPath, [script, ...args], env);
}
