// Build step (after tsc, from dist/): compiles every schema the data plane
// checks into Ajv's standalone code, in dist/plugin/validation/
// precompiled-validators.js, which compile-schema.ts loads instead of
// compiling at start-up. The schemas are found by loading the data plane's
// modules, as a worker does, and recording what they compile.
//   node dist/plugin/validation/precompile.js
import Ajv from 'ajv';
import standaloneCode from 'ajv/dist/standalone';
import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadAllProviders } from '../providers';
import { ajvOptions, compiledSchemas, PRECOMPILED_MODULE } from './compile-schema';

const out = join(__dirname, PRECOMPILED_MODULE);
rmSync(out, { force: true }); // a stale file would be loaded while recording (harmless, but this build must not depend on it)

// eslint-disable-next-line @typescript-eslint/no-require-imports -- loaded for its side effect: every module a worker loads compiles its schemas
require('../server/worker-runtime');
// Providers load on first use (a warm spare loads them all): their response schemas too.
loadAllProviders();

const groups = new Map<boolean, Ajv>();
const names: Record<string, string> = {};
for (const { name, schema, options } of compiledSchemas()) {
  if (names[name]) continue; // the same schema compiled twice (a shared base)
  const key = options.discriminator ?? false;
  let ajv = groups.get(key);
  if (!ajv) groups.set(key, (ajv = new Ajv({ ...ajvOptions(options), code: { source: true } })));
  ajv.addSchema(schema, name);
  names[name] = name;
}

const parts: string[] = ['"use strict";'];
let i = 0;
for (const [key, ajv] of groups) {
  const groupNames = Object.fromEntries(
    Object.keys(names)
      .filter((n) => ajv.getSchema(n))
      .map((n) => [n, n]),
  );
  // Each group's code in its own function scope: standalone code declares module-level helpers with fixed names.
  parts.push(
    `// discriminator: ${key}\nObject.assign(module.exports, (function () { const module = { exports: {} }; const exports = module.exports;\n${standaloneCode(ajv, groupNames)}\nreturn module.exports; })());`,
  );
  i++;
}
writeFileSync(out, parts.join('\n') + '\n');
console.log(`precompiled ${Object.keys(names).length} schemas in ${i} groups into ${out}`);
