// Compiled flow versions, cached: versions are immutable, so an entry never goes stale.

import type { Queryable } from '@tributary/db';
import { schema } from '@tributary/db';
import type { FlowDefinition } from '@tributary/flow';
import { NotFoundError } from '@tributary/flow';
import { and, asc, eq } from 'drizzle-orm';
import type { CompiledFlow } from './compiled-flow.js';
import { compileFlow } from './compiled-flow.js';

/** One cached version: its load, and the compiled flow once it is in. */
interface Entry {
  flowId: string;
  version: number;
  loading: Promise<CompiledFlow>;
  flow: CompiledFlow | undefined;
  /** used since it was last passed over for eviction */
  used: boolean;
}

/**
 * A bounded cache of compiled flow versions; concurrent first uses share one load. Versions are found by
 * flow id and then by number (no key string built per call). When it is full, the oldest version goes
 * unless it was used since it was last passed over, in which case it moves to the end (the clock
 * algorithm's second chance, close to least recently used).
 */
export class FlowCache {
  private readonly byFlow = new Map<string, Map<number, Entry>>();
  /** Every entry, oldest first. */
  private readonly order = new Set<Entry>();
  private readonly maxEntries: number;

  constructor(maxEntries = 500) {
    this.maxEntries = maxEntries;
  }

  /**
   * The compiled version if it is loaded already, at once: the request path takes it without the database
   * time limit's timer and race, which it needs only for a load (ingest's were ~2 % of a webhook's CPU).
   */
  cached(flowId: string, version: number): CompiledFlow | undefined {
    const entry = this.byFlow.get(flowId)?.get(version);
    if (!entry?.flow) return undefined;
    entry.used = true;
    return entry.flow;
  }

  /** The compiled version, loading and compiling it on first use. */
  get(db: Queryable, flowId: string, version: number): Promise<CompiledFlow> {
    const hit = this.byFlow.get(flowId)?.get(version);
    if (hit) {
      hit.used = true;
      return hit.loading;
    }
    const loading = loadDefinition(db, flowId, version).then((definition) =>
      compileFlow(flowId, version, definition),
    );
    const entry: Entry = { flowId, version, loading, flow: undefined, used: false };
    this.add(entry);
    loading.then(
      (flow) => {
        entry.flow = flow;
      },
      // a failed load is not cached: the next use tries again
      () => this.remove(entry),
    );
    return loading;
  }

  private add(entry: Entry): void {
    let versions = this.byFlow.get(entry.flowId);
    if (!versions) {
      versions = new Map();
      this.byFlow.set(entry.flowId, versions);
    }
    versions.set(entry.version, entry);
    this.order.add(entry);
    while (this.order.size > this.maxEntries) {
      const oldest = this.order.values().next().value as Entry;
      this.order.delete(oldest);
      if (oldest.used) {
        oldest.used = false;
        this.order.add(oldest);
      } else {
        this.remove(oldest);
      }
    }
  }

  private remove(entry: Entry): void {
    this.order.delete(entry);
    const versions = this.byFlow.get(entry.flowId);
    if (versions?.get(entry.version) !== entry) return;
    versions.delete(entry.version);
    if (versions.size === 0) this.byFlow.delete(entry.flowId);
  }
}

/** The definition of one published version (with secrets, for the engine only). */
export async function loadDefinition(
  db: Queryable,
  flowId: string,
  version: number,
): Promise<FlowDefinition> {
  const rows = await db
    .select({ definition: schema.flowVersions.definition })
    .from(schema.flowVersions)
    .where(and(eq(schema.flowVersions.flowId, flowId), eq(schema.flowVersions.version, version)))
    .orderBy(asc(schema.flowVersions.version));
  const row = rows[0];
  if (!row) throw new NotFoundError(`flow ${flowId} has no version ${version}`);
  // versions only ever hold definitions that passed validateFlow
  return row.definition as FlowDefinition;
}
