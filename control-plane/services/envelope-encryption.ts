// Envelope encryption for provider secrets: each secret has its own random
// 256-bit data key (AES-256-GCM over the JSON of its fields, the secret id as
// associated data, so a ciphertext copied onto another secret fails to
// decrypt); the data key is wrapped by the key-encryption key (KEK) from the
// environment. Rotating the KEK only re-wraps the small data keys.
import crypto from 'node:crypto';
import type { KeyEncryptionKey } from '../config';

/** AES-256-GCM output, base64 fields (portable across MongoDB and FerretDB). */
export interface SealedBox {
  iv: string;
  tag: string;
  data: string;
}

export interface EncryptedValue {
  kekVersion: number;
  wrappedKey: SealedBox;
  ciphertext: SealedBox;
}

function seal(key: Buffer, plaintext: Buffer, aad: string): SealedBox {
  const iv = crypto.randomBytes(12);
  const cipher = crypto.createCipheriv('aes-256-gcm', key, iv);
  cipher.setAAD(Buffer.from(aad, 'utf8'));
  const data = Buffer.concat([cipher.update(plaintext), cipher.final()]);
  return { iv: iv.toString('base64'), tag: cipher.getAuthTag().toString('base64'), data: data.toString('base64') };
}

function open(key: Buffer, box: SealedBox, aad: string): Buffer {
  const decipher = crypto.createDecipheriv('aes-256-gcm', key, Buffer.from(box.iv, 'base64'));
  decipher.setAAD(Buffer.from(aad, 'utf8'));
  decipher.setAuthTag(Buffer.from(box.tag, 'base64'));
  return Buffer.concat([decipher.update(Buffer.from(box.data, 'base64')), decipher.final()]);
}

const valueAad = (secretId: string) => `secret-value:${secretId}`;
const keyAad = (secretId: string, kekVersion: number) => `secret-data-key:${secretId}:kek-v${kekVersion}`;

export class DecryptionError extends Error {}

export class EnvelopeCipher {
  constructor(private readonly keks: { current: KeyEncryptionKey; previous: KeyEncryptionKey[] }) {}

  get currentKekVersion(): number {
    return this.keks.current.version;
  }

  encrypt(secretId: string, fields: object): EncryptedValue {
    const dataKey = crypto.randomBytes(32);
    const { version, key } = this.keks.current;
    return {
      kekVersion: version,
      wrappedKey: seal(key, dataKey, keyAad(secretId, version)),
      ciphertext: seal(dataKey, Buffer.from(JSON.stringify(fields), 'utf8'), valueAad(secretId)),
    };
  }

  decrypt(secretId: string, value: EncryptedValue): Record<string, string> {
    try {
      const dataKey = open(this.kekFor(value.kekVersion), value.wrappedKey, keyAad(secretId, value.kekVersion));
      return JSON.parse(open(dataKey, value.ciphertext, valueAad(secretId)).toString('utf8')) as Record<string, string>;
    } catch (err) {
      if (err instanceof DecryptionError) throw err;
      throw new DecryptionError(`secret ${secretId} failed to decrypt (tampered data or wrong key)`);
    }
  }

  /** Re-wraps the data key with the current KEK; the ciphertext is untouched. */
  rewrap(secretId: string, value: EncryptedValue): EncryptedValue {
    const dataKey = open(this.kekFor(value.kekVersion), value.wrappedKey, keyAad(secretId, value.kekVersion));
    const { version, key } = this.keks.current;
    return { kekVersion: version, wrappedKey: seal(key, dataKey, keyAad(secretId, version)), ciphertext: value.ciphertext };
  }

  private kekFor(version: number): Buffer {
    if (version === this.keks.current.version) return this.keks.current.key;
    const prev = this.keks.previous.find((k) => k.version === version);
    if (!prev) throw new DecryptionError(`no key-encryption key with version ${version} is configured (GATEWAY_KEK_PREVIOUS?)`);
    return prev.key;
  }
}
