// Matching what the server answered with what it stored, request by request (every request's body carries a
// unique `seq`): the durability check of every webhook phase.
import type { LoadResult } from './load.js';
import type { RunReader } from './stores.js';

/** What the server answered, matched request by request (by seq) with the events it stored. */
export interface Accounting {
  /** answered 2xx, but no event stored: an accepted event was lost (must be 0) */
  lost: number;
  /** answered non-2xx ("nothing was accepted"), yet its event and run were stored (must be 0) */
  rejectedButStored: number;
  /** stored more than once (must be 0) */
  storedTwice: number;
  /** never answered (still in flight when the load stopped, or timed out) but stored: expected, ≤ connections */
  inFlightAtStop: number;
}

export async function account(reader: RunReader, path: string, load: LoadResult): Promise<Accounting> {
  const stored = await reader.storedSeqs(`webhook:${path}`);
  const statuses = load.statusBySeq ?? new Map<number, number>();
  const out = { lost: 0, rejectedButStored: 0, storedTwice: 0, inFlightAtStop: 0 };
  for (const [seq, status] of statuses) {
    const n = stored.get(seq) ?? 0;
    if (status >= 200 && status < 300 && n === 0) out.lost++;
    if ((status < 200 || status >= 300) && n > 0) out.rejectedButStored++;
  }
  for (const [seq, n] of stored) {
    if (n > 1) out.storedTwice++;
    if (!statuses.has(seq)) out.inFlightAtStop++;
  }
  return out;
}

/** Whether every answer matches what was stored: nothing accepted lost, refused yet stored, or stored twice. */
export function answersMatchStorage(
  a: Pick<Accounting, 'lost' | 'rejectedButStored' | 'storedTwice'>,
): boolean {
  return a.lost + a.rejectedButStored + a.storedTwice === 0;
}

/** The load result without the per-request map (which is not for the JSON). */
export function plain(load: LoadResult): LoadResult {
  const { statusBySeq: _, ...rest } = load;
  return rest;
}
