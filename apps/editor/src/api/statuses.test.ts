import { describe, expect, test } from 'vitest';
import { DEAD_LETTER_STATUSES, isDoneStep, isFinalRun, RUN_STATUSES, statusNamed } from './statuses';

describe('statuses', () => {
  test('a run is over once it succeeded, failed or was canceled', () => {
    expect(RUN_STATUSES.filter(isFinalRun)).toEqual(['succeeded', 'failed', 'canceled']);
  });

  test('a step is done once it ran to an end, and not while held back, pending or queued', () => {
    for (const status of ['succeeded', 'failed', 'dead', 'skipped', 'canceled'] as const) {
      expect(isDoneStep(status), status).toBe(true);
    }
    for (const status of ['pending', 'held', 'queued', 'running', 'waiting'] as const) {
      expect(isDoneStep(status), status).toBe(false);
    }
  });

  test('a select value names a status of the list, or none', () => {
    expect(statusNamed(RUN_STATUSES, 'failed')).toBe('failed');
    expect(statusNamed(RUN_STATUSES, '')).toBeUndefined();
    expect(statusNamed(DEAD_LETTER_STATUSES, 'redriven')).toBe('redriven');
    expect(statusNamed(DEAD_LETTER_STATUSES, 'failed')).toBeUndefined();
  });
});
