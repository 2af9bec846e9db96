// AES-256-GCM sealing of credential data under named keys: the current key seals, every known key opens.
import { createCipheriv, createDecipheriv, createHash, randomBytes } from 'node:crypto';

const NONCE_BYTES = 12;
const TAG_BYTES = 16;
const KEY_BYTES = 32;

/** A key given in a setting: 64 hex digits or the base64 (standard or URL-safe) of 32 bytes. */
export function parseEncryptionKey(text: string, setting = 'TRIBUTARY_ENCRYPTION_KEY'): Buffer {
  const trimmed = text.trim();
  if (/^[0-9a-fA-F]{64}$/.test(trimmed)) return Buffer.from(trimmed, 'hex');
  if (/^[A-Za-z0-9+/_-]{43}=?$/.test(trimmed)) {
    const key = Buffer.from(trimmed, 'base64');
    if (key.length === KEY_BYTES) return key;
  }
  throw new Error(
    `${setting} must be 32 random bytes written as 64 hex digits or 44 base64 characters (e.g. the output of \`openssl rand -base64 32\`)`,
  );
}

/** A new random key, written as base64. */
export function generateEncryptionKey(): string {
  return randomBytes(KEY_BYTES).toString('base64');
}

/** The name a key is stored under: a fingerprint, so rows say which key sealed them without holding it. */
export function keyIdOf(key: Buffer): string {
  return createHash('sha256').update('tributary-credential-key:').update(key).digest('hex').slice(0, 16);
}

/** Sealed data and the key that sealed it. */
export interface Sealed {
  keyId: string;
  /** base64 of nonce ‖ ciphertext ‖ tag. */
  data: string;
}

/** Thrown when sealed data cannot be opened: an unknown key, or data or binding that was changed. */
export class KeyringError extends Error {
  override name = 'KeyringError';
}

/**
 * The encryption keys of this instance: `current` seals, `current` and `previous` open (so a new key can be
 * rolled out before `credentials:rotate` re-seals every row under it).
 */
export class Keyring {
  readonly currentId: string;
  readonly #keys = new Map<string, Buffer>();

  constructor(current: Buffer, previous: readonly Buffer[] = []) {
    if (current.length !== KEY_BYTES) throw new KeyringError(`an encryption key is ${KEY_BYTES} bytes`);
    this.currentId = keyIdOf(current);
    this.#keys.set(this.currentId, current);
    for (const key of previous) if (key.length === KEY_BYTES) this.#keys.set(keyIdOf(key), key);
  }

  /** Whether data sealed under `keyId` can be opened. */
  knows(keyId: string): boolean {
    return this.#keys.has(keyId);
  }

  /**
   * Seals `plaintext` under the current key. `binding` (the row's id and type) is authenticated with it, so
   * sealed data copied to another row, or a changed type, fails to open.
   */
  seal(plaintext: string, binding: string): Sealed {
    const key = this.#keys.get(this.currentId) as Buffer;
    const nonce = randomBytes(NONCE_BYTES);
    const cipher = createCipheriv('aes-256-gcm', key, nonce);
    cipher.setAAD(Buffer.from(binding, 'utf8'));
    const body = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
    return {
      keyId: this.currentId,
      data: Buffer.concat([nonce, body, cipher.getAuthTag()]).toString('base64'),
    };
  }

  /** Opens sealed data; throws KeyringError when the key is unknown or anything was changed. */
  open(sealed: Sealed, binding: string): string {
    const key = this.#keys.get(sealed.keyId);
    if (!key) {
      throw new KeyringError(
        `sealed under key ${sealed.keyId}, which is neither TRIBUTARY_ENCRYPTION_KEY nor one of TRIBUTARY_ENCRYPTION_KEY_PREVIOUS`,
      );
    }
    const raw = Buffer.from(sealed.data, 'base64');
    if (raw.length < NONCE_BYTES + TAG_BYTES) throw new KeyringError('sealed data is truncated');
    const decipher = createDecipheriv('aes-256-gcm', key, raw.subarray(0, NONCE_BYTES));
    decipher.setAAD(Buffer.from(binding, 'utf8'));
    decipher.setAuthTag(raw.subarray(raw.length - TAG_BYTES));
    try {
      return Buffer.concat([
        decipher.update(raw.subarray(NONCE_BYTES, raw.length - TAG_BYTES)),
        decipher.final(),
      ]).toString('utf8');
    } catch {
      throw new KeyringError('sealed data does not match its key or its row (changed or moved)');
    }
  }
}
