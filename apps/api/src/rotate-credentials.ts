// `npm run credentials:rotate`: re-seals every credential under TRIBUTARY_ENCRYPTION_KEY. Roll a key out by
// moving the old one to TRIBUTARY_ENCRYPTION_KEY_PREVIOUS, setting the new one, restarting, and running this;
// then the old key may be dropped. Same database settings as the server (DATABASE_URL or the PGlite data dir).
import { join } from 'node:path';
import { openDb } from '@tributary/db';
import { createLogger, KeyringError, rotateCredentials } from '@tributary/engine';
import { ConfigError, loadConfig } from './config.js';
import { loadKeyring } from './encryption-key.js';

async function main(): Promise<number> {
  let config: ReturnType<typeof loadConfig>;
  try {
    config = loadConfig({ ...process.env });
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(`${err.message}\n`);
      return 2;
    }
    throw err;
  }
  const logger = createLogger({ level: 'warn' });
  const db = await openDb({
    url: config.DATABASE_URL,
    dataDir: join(config.TRIBUTARY_DATA_DIR, 'pglite'),
    maxConnections: 2,
  });
  try {
    await db.migrate();
    const keyring = await loadKeyring(config, logger);
    const { rotated, total } = await rotateCredentials(db.db, keyring);
    process.stdout.write(
      `re-sealed ${rotated} of ${total} credential${total === 1 ? '' : 's'} under key ${keyring.currentId}` +
        `${rotated === 0 ? ' (all were sealed under it already)' : ''}\n`,
    );
    return 0;
  } catch (err) {
    if (err instanceof KeyringError) {
      process.stderr.write(`${err.message}\nnothing was changed\n`);
      return 1;
    }
    throw err;
  } finally {
    await db.close();
  }
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    process.stderr.write(`credentials:rotate failed: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exit(1);
  },
);
