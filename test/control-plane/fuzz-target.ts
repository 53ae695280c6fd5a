// Starts a control plane (and, without MONGODB_URI, its own FerretDB) for
// scripts/schemathesis.sh, writes {"url","adminToken","dataplaneToken"} to the
// file named by the first argument (stdout is the log), and runs until SIGTERM/SIGINT.
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { signToken } from '../../control-plane/middleware/verify-token';
import { createLogger } from '../../control-plane/logger';
import { startControlPlane } from '../../control-plane/server';
import { startFerretDB } from '../../control-plane/loaders/ferretdb';
import { testConfig } from './harness';

async function main() {
  let stopDb = async () => undefined as void;
  let baseUri = process.env.MONGODB_URI;
  if (!baseUri) {
    const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'fuzz-db-'));
    const db = await startFerretDB({ dataDir });
    baseUri = db.uri;
    stopDb = async () => {
      await db.stop();
      fs.rmSync(dataDir, { recursive: true, force: true });
    };
  }
  const url = new URL(baseUri);
  url.pathname = `/fuzz_${crypto.randomBytes(4).toString('hex')}`;
  const config = testConfig();
  const log = createLogger(process.env.FUZZ_LOG_LEVEL ?? 'error');
  const cp = await startControlPlane({ mongoUri: url.toString(), port: 0, config, log, validateResponses: false });
  const token = (role: 'admin' | 'dataplane') => signToken(config.jwt, { sub: `fuzz-${role}`, role }, 3600);
  const infoFile = process.argv[2]!;
  // Written then renamed, so the script never reads a half-written file.
  fs.writeFileSync(`${infoFile}.tmp`, JSON.stringify({ url: cp.url, adminToken: token('admin'), dataplaneToken: token('dataplane') }));
  fs.renameSync(`${infoFile}.tmp`, infoFile);

  const stop = async () => {
    await cp.close();
    await stopDb();
    process.exit(0);
  };
  process.once('SIGTERM', () => void stop());
  process.once('SIGINT', () => void stop());
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
