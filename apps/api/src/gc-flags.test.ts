import { describe, expect, test } from 'vitest';
import { loadConfig } from './config.js';
import { garbageCollectionFlags } from './gc-flags.js';

describe('garbageCollectionFlags', () => {
  test('by default: the heap grows 30 % past its live size, and allocation sites are not pretenured', () => {
    expect(garbageCollectionFlags(loadConfig({}))).toEqual([
      '--heap-growing-percent=30',
      '--no-allocation-site-pretenuring',
    ]);
  });

  test('0 % and pretenuring on leave V8 its own choices', () => {
    const config = loadConfig({ TRIBUTARY_HEAP_GROWING_PERCENT: '0', TRIBUTARY_V8_PRETENURING: 'true' });
    expect(garbageCollectionFlags(config)).toEqual([]);
  });

  test('each setting alone sets its own flag only', () => {
    expect(
      garbageCollectionFlags(
        loadConfig({ TRIBUTARY_HEAP_GROWING_PERCENT: '100', TRIBUTARY_V8_PRETENURING: 'yes' }),
      ),
    ).toEqual(['--heap-growing-percent=100']);
    expect(garbageCollectionFlags(loadConfig({ TRIBUTARY_HEAP_GROWING_PERCENT: '0' }))).toEqual([
      '--no-allocation-site-pretenuring',
    ]);
  });
});
