// npm run rotate-kek
// Re-wraps every secret's data key (provider secrets, exporters' secret
// headers) with the current GATEWAY_KEK. Run it after
// deploying GATEWAY_KEK=<new>, GATEWAY_KEK_VERSION=<n+1>, GATEWAY_KEK_PREVIOUS=<n>:<old>
// to every replica; it is safe while they serve traffic (per-document
// conditional updates), and can be re-run. Afterwards drop GATEWAY_KEK_PREVIOUS.
import fs from 'node:fs';
import { ConfigError, loadConfig } from '../config';
import { connectDatabase } from '../loaders/database';
import { localUriFile } from '../local-keys';
import { createLogger } from '../logger';
import { createServices } from '../services';

async function main() {
  const config = loadConfig(process.env, { createLocalKeys: false });
  const uri = config.mongoUri ?? (fs.existsSync(localUriFile(config.dataDir)) ? fs.readFileSync(localUriFile(config.dataDir), 'utf8').trim() : undefined);
  if (!uri) throw new ConfigError('set MONGODB_URI (or start the local control plane first so its embedded database is running)');
  const log = createLogger('warn');
  const db = await connectDatabase(uri);
  try {
    const services = createServices(db.models, config, log);
    const result = await services.secrets.rewrapAll();
    const exporters = await services.exporters.rewrapAll();
    console.log(JSON.stringify({ kekVersion: config.kek.current.version, ...result, exporters }));
  } finally {
    await db.close();
  }
}

main().catch((err: unknown) => {
  console.error(err instanceof ConfigError ? `configuration error: ${err.message}` : err);
  process.exit(1);
});
