import { describe, expect, test } from 'vitest';
import { HISTORY_LIMIT, record, redo, undo } from './history';
import type { Snapshot } from './node-data';

const snap = (n: number): Snapshot => ({ nodes: [], edges: [{ id: `e${n}`, source: 'a', target: 'b' }] });

describe('undo/redo history', () => {
  test('undo returns the recorded snapshot and redo brings the current one back', () => {
    const history = record({ past: [], future: [] }, snap(1));
    const undone = undo(history, snap(2));
    expect(undone?.snapshot).toEqual(snap(1));
    const redone = redo(undone?.history ?? { past: [], future: [] }, snap(1));
    expect(redone?.snapshot).toEqual(snap(2));
  });

  test('recording after an undo drops the redo stack', () => {
    const undone = undo(record({ past: [], future: [] }, snap(1)), snap(2));
    const next = record(undone?.history ?? { past: [], future: [] }, snap(3));
    expect(next.future).toEqual([]);
    expect(redo(next, snap(4))).toBeNull();
  });

  test('keeps at most HISTORY_LIMIT snapshots', () => {
    let history = { past: [] as Snapshot[], future: [] as Snapshot[] };
    for (let i = 0; i < HISTORY_LIMIT + 20; i++) history = record(history, snap(i));
    expect(history.past).toHaveLength(HISTORY_LIMIT);
    expect(history.past.at(-1)).toEqual(snap(HISTORY_LIMIT + 19));
  });
});
