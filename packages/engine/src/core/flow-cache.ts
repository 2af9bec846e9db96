// Compiled flow versions, cached: versions are immutable, so an entry never goes stale.

import type { Queryable } from '@tributary/db';
import { schema } from '@tributary/db';
import type { FlowDefinition } from '@tributary/flow';
import { NotFoundError } from '@tributary/flow';
import { and, asc, eq } from 'drizzle-orm';
import type { CompiledFlow } from './compiled-flow.js';
import { compileFlow } from './compiled-flow.js';

/** A bounded cache of compiled flow versions; concurrent first uses share one load. */
export class FlowCache {
  private readonly entries = new Map<string, Promise<CompiledFlow>>();
  private readonly maxEntries: number;

  constructor(maxEntries = 500) {
    this.maxEntries = maxEntries;
  }

  /** The compiled version, loading and compiling it on first use. */
  get(db: Queryable, flowId: string, version: number): Promise<CompiledFlow> {
    const key = `${flowId}:${version}`;
    const hit = this.entries.get(key);
    if (hit) {
      // re-insert to mark it most recently used
      this.entries.delete(key);
      this.entries.set(key, hit);
      return hit;
    }
    const loading = loadDefinition(db, flowId, version).then((definition) =>
      compileFlow(flowId, version, definition),
    );
    this.entries.set(key, loading);
    // a failed load is not cached: the next use tries again
    loading.catch(() => {
      if (this.entries.get(key) === loading) this.entries.delete(key);
    });
    if (this.entries.size > this.maxEntries) {
      const oldest = this.entries.keys().next().value;
      if (oldest !== undefined) this.entries.delete(oldest);
    }
    return loading;
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
