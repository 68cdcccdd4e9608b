// esbuild plugin for the binaries' script bundles: how Node's built-in modules are imported.
//
// 1. Modules start-up does not need load on first use instead of at the bundle's top level. commander
//    requires node:child_process when it is loaded, emu's durable writes import node:crypto and
//    node:fs/promises, socket chardevs node:dns/promises; a QMP start-up calls none of them
//    (bench/RESULTS.md has the cost). Such an import
//    becomes an object whose properties are getters that require the real module the first time one is
//    read. esbuild's CommonJS output reads imported names at the call (`(0, import_x.randomBytes)(6)`),
//    never at import time, so nothing loads until a function of the module is used. The property names
//    come from the Node that runs the build, the same Node that runs the binaries.
// 2. An ES import of a built-in (`import fs from 'node:fs'`, `import * as fs`) is wrapped by esbuild's
//    __toESM, which copies every property of the module into a new object with a getter each: 8 imports
//    of node:fs and 4 of node:net cost 2–3 ms of CPU at start-up. The import gets an object whose
//    prototype is the module instead, which has no own properties to copy; every property, Node's lazy
//    getters included (fs.promises), is found through the prototype. `require()` calls (the bundled
//    CommonJS packages) get the module itself.
import { builtinModules, createRequire } from 'node:module';

const require = createRequire(import.meta.url);
const NAMESPACE = 'emu-builtin';

/** @param {string[]} lazy built-in module names, without the node: prefix, to load on first use */
export function builtins(lazy) {
  const names = builtinModules.filter((m) => !m.startsWith('_'));
  const filter = new RegExp(`^(node:)?(${names.map((m) => m.replace(/[/]/g, '\\/')).join('|')})$`);
  return {
    name: 'emu-builtins',
    setup(b) {
      b.onResolve({ filter }, (args) => {
        const name = args.path.replace(/^node:/, '');
        const isLazy = lazy.includes(name);
        // The stubs' own requires, and CommonJS requires of modules loaded eagerly, stay plain requires.
        if (args.namespace === NAMESPACE || (!isLazy && args.kind === 'require-call')) return { path: `node:${name}`, external: true };
        // One stub per module and kind of import (the path is the stub's identity in the bundle).
        return { path: `${args.kind === 'require-call' ? 'require' : 'import'}:${name}`, namespace: NAMESPACE };
      });
      b.onLoad({ filter: /.*/, namespace: NAMESPACE }, (args) => {
        const [kind, name] = args.path.split(':');
        const id = JSON.stringify(`node:${name}`);
        const esImport = kind === 'import';
        if (!lazy.includes(name)) {
          // A module that is itself a function (node:events, node:assert) must stay callable and
          // extendable as the default import: it is passed through.
          const wrap = typeof require(`node:${name}`) === 'object' ? 'Object.create' : '';
          return { loader: 'js', contents: `module.exports = ${wrap}(require(${id}));` };
        }
        const getters = Object.keys(require(`node:${name}`))
          .map((n) => `  ${JSON.stringify(n)}: { enumerable: true, get: () => load()[${JSON.stringify(n)}] },`);
        return {
          loader: 'js',
          contents: [
            'let real;',
            `const load = () => real ??= require(${id});`,
            `const lazy = Object.defineProperties({}, {`,
            ...getters,
            '});',
            `module.exports = ${esImport ? 'Object.create(lazy)' : 'lazy'};`,
          ].join('\n'),
        };
      });
    },
  };
}
