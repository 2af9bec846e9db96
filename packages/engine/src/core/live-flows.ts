// The published flows, compiled and cached briefly: tracking triggers and exit goals are matched against them.

import type { Database } from '@tributary/db';
import { schema } from '@tributary/db';
import { and, eq, isNull } from 'drizzle-orm';
import type { CompiledFlow } from './compiled-flow.js';
import type { FlowCache } from './flow-cache.js';
import type { WebhookRoute } from './webhook-routes.js';
import { normaliseHookPath } from './webhook-routes.js';

/** A live webhook trigger's route and the compiled version it belongs to. */
export interface LiveWebhook {
  route: WebhookRoute;
  flow: CompiledFlow;
}

/**
 * Live flow versions, re-read at most every `ttlMs`. A publish in this process is seen at once
 * (`invalidate()`); one in another process within `ttlMs`.
 */
export class LiveFlows {
  private cached: { at: number; flows: CompiledFlow[]; hooks: Map<string, LiveWebhook> } | undefined;
  private loading: Promise<CompiledFlow[]> | undefined;
  private readonly ttlMs: number;

  constructor(ttlMs = 1000) {
    this.ttlMs = ttlMs;
  }

  /** Forgets the cached list (call after publish, rollback, deactivate or delete). */
  invalidate(): void {
    this.cached = undefined;
  }

  /** The compiled live version of every published flow. */
  async list(db: Database, flows: FlowCache): Promise<CompiledFlow[]> {
    if (this.cached && Date.now() - this.cached.at < this.ttlMs) return this.cached.flows;
    this.loading ??= this.load(db, flows).finally(() => {
      this.loading = undefined;
    });
    return this.loading;
  }

  /**
   * The live flow listening on a webhook path, from memory. A path published in another process in the last
   * second is not here yet: callers fall back to the routing table on a miss.
   */
  async webhook(db: Database, flows: FlowCache, path: string): Promise<LiveWebhook | undefined> {
    await this.list(db, flows);
    return this.cached?.hooks.get(normaliseHookPath(path));
  }

  /**
   * The live webhook trigger on a path, when the list read last is still fresh and has it: no promise, no
   * time limit, no database — what nearly every webhook request needs. Undefined otherwise (ask `webhook()`).
   */
  webhookInMemory(path: string): LiveWebhook | undefined {
    const cached = this.cached;
    if (!cached || Date.now() - cached.at >= this.ttlMs) return undefined;
    return cached.hooks.get(normaliseHookPath(path));
  }

  private async load(db: Database, cache: FlowCache): Promise<CompiledFlow[]> {
    const rows = await db
      .select({ id: schema.flows.id, version: schema.flows.activeVersion })
      .from(schema.flows)
      .where(and(eq(schema.flows.status, 'published'), isNull(schema.flows.deletedAt)));
    const compiled: CompiledFlow[] = [];
    for (const row of rows) {
      if (row.version !== null) compiled.push(await cache.get(db, row.id, row.version));
    }
    const hooks = new Map<string, LiveWebhook>();
    for (const flow of compiled) {
      const { trigger } = flow;
      // webhook trigger configs hold no expressions, so they parsed when the version was compiled
      const config = flow.configsAsWritten.get(trigger.id) as { path: string; method: string } | undefined;
      if (flow.triggerKind !== 'webhook' || trigger.disabled || !config) continue;
      hooks.set(normaliseHookPath(config.path), {
        route: { flowId: flow.flowId, version: flow.version, nodeId: trigger.id, method: config.method },
        flow,
      });
    }
    this.cached = { at: Date.now(), flows: compiled, hooks };
    return compiled;
  }
}
