// Local mode only: keys generated on first start and kept in the data dir so
// restarts (and the token CLI) see the same values.
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';

export function loadOrCreateLocalKey(file: string, bytes: number): Buffer {
  if (fs.existsSync(file)) return Buffer.from(fs.readFileSync(file, 'utf8').trim(), 'base64');
  fs.mkdirSync(path.dirname(file), { recursive: true });
  const key = crypto.randomBytes(bytes);
  try {
    // 'wx' fails if another process created it first; then we read theirs.
    fs.writeFileSync(file, key.toString('base64') + '\n', { mode: 0o600, flag: 'wx' });
    return key;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    return Buffer.from(fs.readFileSync(file, 'utf8').trim(), 'base64');
  }
}

/** The key in `file`, or undefined when it does not exist (nothing is created). */
export function readLocalKey(file: string): Buffer | undefined {
  return fs.existsSync(file) ? Buffer.from(fs.readFileSync(file, 'utf8').trim(), 'base64') : undefined;
}

/** Where the local launcher records its embedded FerretDB's URI (for the CLIs). */
export const localUriFile = (dataDir: string) => path.join(dataDir, 'ferretdb', 'mongodb-uri');
