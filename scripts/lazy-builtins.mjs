// esbuild plugin for the binaries' script bundles: Node built-in modules that start-up does not need
// load on first use instead of at the bundle's top level. commander requires node:child_process
// when it is loaded, and emu's durable writes import node:crypto and node:fs/promises; together they
// cost 4–5 ms of CPU at every start (measured, bench/RESULTS.md) though a QMP start-up never calls
// them.
//
// An import of such a module becomes an object whose properties are getters that require the real
// module the first time one is read. esbuild's CommonJS output reads imported names at the call
// (`(0, import_node_crypto.randomBytes)(6)`), never at import time, so nothing loads until a
// function of the module is used. The property names come from the Node that runs the build, the
// same Node that runs the binaries.
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
const NAMESPACE = 'emu-lazy-builtin';

/** @param {string[]} modules built-in module names without the node: prefix */
export function lazyBuiltins(modules) {
  const filter = new RegExp(`^(node:)?(${modules.map((m) => m.replace(/[/]/g, '\\/')).join('|')})$`);
  return {
    name: 'lazy-builtins',
    setup(b) {
      b.onResolve({ filter }, (args) => {
        // The stub's own require of the real module stays a plain external require.
        if (args.namespace === NAMESPACE) return { path: args.path, external: true };
        return { path: args.path.replace(/^node:/, ''), namespace: NAMESPACE };
      });
      b.onLoad({ filter: /.*/, namespace: NAMESPACE }, (args) => {
        const id = `node:${args.path}`;
        const names = Object.keys(require(id));
        const getters = names.map((n) => `  ${JSON.stringify(n)}: { enumerable: true, get: () => load()[${JSON.stringify(n)}] },`);
        return {
          loader: 'js',
          contents: [
            'let real;',
            `const load = () => real ??= require(${JSON.stringify(id)});`,
            'module.exports = Object.defineProperties({}, {',
            ...getters,
            '});',
          ].join('\n'),
        };
      });
    },
  };
}
