// The data-plane worker as one file: dist/plugin/server/worker.bundle.js,
// made by `npm run build` from tsc's output (after precompile.js). A worker
// thread started from ~250 files spends most of its start in Node's module
// loader, and the first request after a reload waits for that start
// (bench/RESULTS.md §47-§48). The spare-worker module starts workers from the
// bundle when it is there and current, through plugin/server/bundle-loader.ts,
// which runs it with V8's code cache of a warm spare (§50).
//
// Left outside: what loads only when a configuration needs it (the price
// table, OpenTelemetry, AWS's signer and codec, Ajv's compiler, the
// tokenizer's ranks) and undici 7 (runtimes before Node 22.19, or HTTP/2
// off), so that the bundle holds no package the data plane does not start
// with. The precompiled validators are read at run time from their own file.
import { build } from 'esbuild';
import { join } from 'node:path';

const server = join(__dirname, '../plugin/server');

const WORKER_BUNDLE_EXTERNALS = [
  '@pydantic/genai-prices',
  '@opentelemetry/*',
  '@smithy/*',
  '@aws-crypto/*',
  'ajv',
  'ajv/*',
  'js-tiktoken/ranks/*',
  'undici',
  'undici/*',
];

async function main(): Promise<void> {
  const result = await build({
    entryPoints: [join(server, 'worker.js')],
    outfile: join(server, 'worker.bundle.js'),
    bundle: true,
    platform: 'node',
    format: 'cjs',
    target: 'node20',
    external: WORKER_BUNDLE_EXTERNALS,
    // Stack traces name the bundle's lines; the map leads back to the TypeScript (tsc's maps are read in).
    sourcemap: 'linked',
    logLevel: 'warning',
    metafile: true,
  });
  const output = Object.values(result.metafile.outputs).find((o) => o.entryPoint);
  console.log(`worker bundle: ${Object.keys(result.metafile.inputs).length} modules, ${Math.round((output?.bytes ?? 0) / 1024)} KiB`);
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
