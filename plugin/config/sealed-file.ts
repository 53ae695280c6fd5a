// Small files on the data plane's disk that may hold credentials (the last
// configuration snapshot) are sealed with AES-256-GCM under a key derived from
// the data-plane token, so a copied state folder alone reveals nothing.
import { createCipheriv, createDecipheriv, hkdfSync, randomBytes } from 'node:crypto';
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';

function keyFor(token: string): Buffer {
  return Buffer.from(hkdfSync('sha256', token, 'kong-llm-gateway', 'state-file-v1', 32));
}

export async function writeSealed(path: string, token: string, data: unknown): Promise<void> {
  const iv = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', keyFor(token), iv);
  const body = Buffer.concat([cipher.update(JSON.stringify(data), 'utf8'), cipher.final()]);
  const sealed = Buffer.concat([iv, cipher.getAuthTag(), body]);
  await mkdir(dirname(path), { recursive: true, mode: 0o700 });
  // Unique per writer: the data workers of one configuration share the file.
  const tmp = `${path}.${process.pid}.${randomBytes(6).toString('hex')}.tmp`;
  await writeFile(tmp, sealed, { mode: 0o600 });
  await rename(tmp, path); // atomic: a crash never leaves half a file
}

/** undefined when the file is missing or was sealed with another token. */
export async function readSealed<T>(path: string, token: string): Promise<T | undefined> {
  let sealed: Buffer;
  try {
    sealed = await readFile(path);
  } catch {
    return undefined;
  }
  try {
    const decipher = createDecipheriv('aes-256-gcm', keyFor(token), sealed.subarray(0, 12));
    decipher.setAuthTag(sealed.subarray(12, 28));
    const plain = Buffer.concat([decipher.update(sealed.subarray(28)), decipher.final()]);
    return JSON.parse(plain.toString('utf8')) as T;
  } catch {
    return undefined;
  }
}
