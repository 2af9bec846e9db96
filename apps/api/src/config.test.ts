// Settings that bound memory and commits: parsed with their units, refused outside their ranges.
import { describe, expect, test } from 'vitest';
import { ConfigError, loadConfig } from './config.js';

describe('memory and commit settings', () => {
  test('TRIBUTARY_INGEST_BATCH_BYTES takes a size with units, 2 MiB by default, 64 KB to 256 MB', () => {
    expect(loadConfig({}).TRIBUTARY_INGEST_BATCH_BYTES).toBe(2 * 1024 * 1024);
    expect(loadConfig({ TRIBUTARY_INGEST_BATCH_BYTES: '8mb' }).TRIBUTARY_INGEST_BATCH_BYTES).toBe(
      8 * 1024 * 1024,
    );
    expect(loadConfig({ TRIBUTARY_INGEST_BATCH_BYTES: '65536' }).TRIBUTARY_INGEST_BATCH_BYTES).toBe(65536);
    for (const bad of ['10kb', '1gb', 'lots']) {
      expect(() => loadConfig({ TRIBUTARY_INGEST_BATCH_BYTES: bad })).toThrow(ConfigError);
    }
    expect(() => loadConfig({ TRIBUTARY_INGEST_BATCH_BYTES: '10kb' })).toThrow(
      /TRIBUTARY_INGEST_BATCH_BYTES/,
    );
  });

  test('TRIBUTARY_INGEST_MAX_PENDING_BYTES takes a size with units, 64 MiB by default, 1 MB to 4 GB', () => {
    expect(loadConfig({}).TRIBUTARY_INGEST_MAX_PENDING_BYTES).toBe(64 * 1024 * 1024);
    expect(
      loadConfig({ TRIBUTARY_INGEST_MAX_PENDING_BYTES: '256mb' }).TRIBUTARY_INGEST_MAX_PENDING_BYTES,
    ).toBe(256 * 1024 * 1024);
    for (const bad of ['512kb', '5gb', 'plenty']) {
      expect(() => loadConfig({ TRIBUTARY_INGEST_MAX_PENDING_BYTES: bad })).toThrow(
        /TRIBUTARY_INGEST_MAX_PENDING_BYTES/,
      );
    }
  });

  test('TRIBUTARY_INGEST_BODY_BUDGET is 8 MiB by default, 1 MB to 4 GB, and never below TRIBUTARY_MAX_BODY', () => {
    expect(loadConfig({}).TRIBUTARY_INGEST_BODY_BUDGET).toBe(8 * 1024 * 1024);
    expect(loadConfig({ TRIBUTARY_INGEST_BODY_BUDGET: '32mb' }).TRIBUTARY_INGEST_BODY_BUDGET).toBe(
      32 * 1024 * 1024,
    );
    for (const bad of ['512kb', '5gb', 'plenty']) {
      expect(() => loadConfig({ TRIBUTARY_INGEST_BODY_BUDGET: bad })).toThrow(/TRIBUTARY_INGEST_BODY_BUDGET/);
    }
    expect(() => loadConfig({ TRIBUTARY_MAX_BODY: '16mb', TRIBUTARY_INGEST_BODY_BUDGET: '8mb' })).toThrow(
      /TRIBUTARY_INGEST_BODY_BUDGET: must be at least TRIBUTARY_MAX_BODY/,
    );
  });

  test('TRIBUTARY_INGEST_MAX_WAIT_MS is 5000 by default, whole milliseconds from 100 to 60000', () => {
    expect(loadConfig({}).TRIBUTARY_INGEST_MAX_WAIT_MS).toBe(5_000);
    expect(loadConfig({ TRIBUTARY_INGEST_MAX_WAIT_MS: '2500' }).TRIBUTARY_INGEST_MAX_WAIT_MS).toBe(2_500);
    for (const bad of ['99', '60001', '1.5', 'long']) {
      expect(() => loadConfig({ TRIBUTARY_INGEST_MAX_WAIT_MS: bad })).toThrow(/TRIBUTARY_INGEST_MAX_WAIT_MS/);
    }
  });

  test('TRIBUTARY_HEAP_GROWING_PERCENT is 30 by default, 0 leaves V8 its own choice, at most 400', () => {
    expect(loadConfig({}).TRIBUTARY_HEAP_GROWING_PERCENT).toBe(30);
    expect(loadConfig({ TRIBUTARY_HEAP_GROWING_PERCENT: '0' }).TRIBUTARY_HEAP_GROWING_PERCENT).toBe(0);
    for (const bad of ['-1', '401', '12.5', 'some']) {
      expect(() => loadConfig({ TRIBUTARY_HEAP_GROWING_PERCENT: bad })).toThrow(ConfigError);
    }
  });

  test('TRIBUTARY_V8_PRETENURING is off by default and takes a yes or no only', () => {
    expect(loadConfig({}).TRIBUTARY_V8_PRETENURING).toBe(false);
    expect(loadConfig({ TRIBUTARY_V8_PRETENURING: 'true' }).TRIBUTARY_V8_PRETENURING).toBe(true);
    expect(loadConfig({ TRIBUTARY_V8_PRETENURING: 'no' }).TRIBUTARY_V8_PRETENURING).toBe(false);
    expect(() => loadConfig({ TRIBUTARY_V8_PRETENURING: 'sometimes' })).toThrow(/TRIBUTARY_V8_PRETENURING/);
  });
});

describe('broker consumers', () => {
  test('TRIBUTARY_INSTANCE_NAME is unset by default (the host name is used) and must fit an MQTT client id', () => {
    expect(loadConfig({}).TRIBUTARY_INSTANCE_NAME).toBeUndefined();
    expect(loadConfig({ TRIBUTARY_INSTANCE_NAME: 'worker-2.eu' }).TRIBUTARY_INSTANCE_NAME).toBe(
      'worker-2.eu',
    );
    for (const bad of ['two words', 'a/b', 'x'.repeat(65)]) {
      expect(() => loadConfig({ TRIBUTARY_INSTANCE_NAME: bad })).toThrow(/TRIBUTARY_INSTANCE_NAME/);
    }
  });
});
