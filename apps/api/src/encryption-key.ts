// The keyring credentials are sealed with: TRIBUTARY_ENCRYPTION_KEY (and its predecessors), or outside
// production a key generated once into the data dir.
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import type { Logger } from '@tributary/engine';
import { generateEncryptionKey, Keyring, keyIdOf, parseEncryptionKey } from '@tributary/engine';
import type { Config } from './config.js';

/** Where a generated key is kept, relative to TRIBUTARY_DATA_DIR. */
export const GENERATED_KEY_FILE = 'encryption.key';

/** The keyring from the settings; without a key (never in production), the data dir's key, made on first start. */
export async function loadKeyring(
  config: Pick<
    Config,
    'TRIBUTARY_ENCRYPTION_KEY' | 'TRIBUTARY_ENCRYPTION_KEY_PREVIOUS' | 'TRIBUTARY_DATA_DIR'
  >,
  logger: Logger,
): Promise<Keyring> {
  const previous = config.TRIBUTARY_ENCRYPTION_KEY_PREVIOUS;
  if (config.TRIBUTARY_ENCRYPTION_KEY) return new Keyring(config.TRIBUTARY_ENCRYPTION_KEY, previous);
  const file = resolve(join(config.TRIBUTARY_DATA_DIR, GENERATED_KEY_FILE));
  let key: Buffer;
  try {
    key = parseEncryptionKey(await readFile(file, 'utf8'), file);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
    await mkdir(resolve(config.TRIBUTARY_DATA_DIR), { recursive: true });
    // wx: two processes starting at once must not each write a key of their own
    await writeFile(file, `${generateEncryptionKey()}\n`, { mode: 0o600, flag: 'wx' }).catch((writeErr) => {
      if ((writeErr as NodeJS.ErrnoException).code !== 'EEXIST') throw writeErr;
    });
    key = parseEncryptionKey(await readFile(file, 'utf8'), file);
    logger.warn(
      { file, keyId: keyIdOf(key) },
      'generated an encryption key for credentials; in production set TRIBUTARY_ENCRYPTION_KEY instead, and back the key up: credentials cannot be read without it',
    );
    return new Keyring(key, previous);
  }
  logger.info({ file, keyId: keyIdOf(key) }, 'credentials are sealed with the key in the data dir');
  return new Keyring(key, previous);
}
