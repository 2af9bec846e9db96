// The credential key: required in production, else generated once into the data dir and reused.
import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createLogger, Keyring } from '@tributary/engine';
import { afterEach, describe, expect, test } from 'vitest';
import { ConfigError, loadConfig } from './config.js';
import { GENERATED_KEY_FILE, loadKeyring } from './encryption-key.js';

const logger = createLogger({ level: 'silent' });
const dirs: string[] = [];

async function dataDir() {
  const dir = await mkdtemp(join(tmpdir(), 'tributary-key-'));
  dirs.push(dir);
  return dir;
}

afterEach(async () => {
  await Promise.all(dirs.splice(0).map((dir) => rm(dir, { recursive: true, force: true })));
});

describe('the encryption key', () => {
  test('NODE_ENV=production without TRIBUTARY_ENCRYPTION_KEY does not start', () => {
    expect(() => loadConfig({ NODE_ENV: 'production' })).toThrow(ConfigError);
    expect(() => loadConfig({ NODE_ENV: 'production' })).toThrow(
      /TRIBUTARY_ENCRYPTION_KEY: required when NODE_ENV=production/,
    );
  });

  test('a key that is not 32 bytes of hex or base64 is refused, naming the setting', () => {
    expect(() => loadConfig({ TRIBUTARY_ENCRYPTION_KEY: 'hunter2' })).toThrow(
      /TRIBUTARY_ENCRYPTION_KEY: .*32 random bytes/,
    );
    expect(() => loadConfig({ TRIBUTARY_ENCRYPTION_KEY_PREVIOUS: 'ab,cd' })).toThrow(
      /TRIBUTARY_ENCRYPTION_KEY_PREVIOUS/,
    );
  });

  test('outside production, a key is generated once into the data dir (mode 600) and reused', async () => {
    const dir = await dataDir();
    const config = loadConfig({ TRIBUTARY_DATA_DIR: dir });
    const first = await loadKeyring(config, logger);
    const file = join(dir, GENERATED_KEY_FILE);
    expect((await stat(file)).mode & 0o777).toBe(0o600);
    const second = await loadKeyring(config, logger);
    expect(second.currentId).toBe(first.currentId);
    const sealed = first.seal('secret', 'binding');
    expect(second.open(sealed, 'binding')).toBe('secret');
    expect((await readFile(file, 'utf8')).trim()).toMatch(/^[A-Za-z0-9+/]{43}=$/);
  });

  test('TRIBUTARY_ENCRYPTION_KEY wins over the data dir, and previous keys still open', async () => {
    const dir = await dataDir();
    const key = Buffer.alloc(32, 3);
    const old = Buffer.alloc(32, 4);
    const config = loadConfig({
      TRIBUTARY_DATA_DIR: dir,
      TRIBUTARY_ENCRYPTION_KEY: key.toString('hex'),
      TRIBUTARY_ENCRYPTION_KEY_PREVIOUS: old.toString('base64'),
    });
    const ring = await loadKeyring(config, logger);
    expect(ring.currentId).toBe(new Keyring(key).currentId);
    expect(ring.open(new Keyring(old).seal('from before', 'b'), 'b')).toBe('from before');
    await expect(stat(join(dir, GENERATED_KEY_FILE))).rejects.toThrow();
  });
});
