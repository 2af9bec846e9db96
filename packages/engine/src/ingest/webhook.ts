// Routing a webhook request: the live flow version listening on its path, and its trigger's config.
import type { WebhookTriggerConfig } from '@tributary/nodes';
import type { CompiledFlow, EngineContext, WebhookRoute } from '../core/index.js';
import { findWebhookRoute } from '../core/index.js';
import { withDatabase } from './accept.js';

/** A live webhook trigger: where its events go, and how it authenticates and answers. */
export interface WebhookTarget extends WebhookRoute {
  config: WebhookTriggerConfig;
}

/**
 * The live webhook trigger on `path`, or undefined. Published flows are read from memory; a path published
 * in another process moments ago is found in the routing table. Within the ingest time limit (503 if
 * Postgres does not answer) when it has to ask Postgres; from memory it answers at once.
 */
export async function routeWebhook(ctx: EngineContext, path: string): Promise<WebhookTarget | undefined> {
  const live = ctx.live.webhookInMemory(path);
  if (live) return targetOf(live.route, live.flow);
  return withDatabase(
    ctx,
    async () => {
      const live = await ctx.live.webhook(ctx.db, ctx.flows, path);
      if (live) return targetOf(live.route, live.flow);
      const route = await findWebhookRoute(ctx.db, path);
      return route ? targetOf(route, await ctx.flows.get(ctx.db, route.flowId, route.version)) : undefined;
    },
    'routing the webhook',
  );
}

/** The route with its trigger's config; undefined when the version has no such webhook trigger. */
function targetOf(route: WebhookRoute, flow: CompiledFlow): WebhookTarget | undefined {
  // the routing index holds only webhook trigger nodes, whose configs parse as written at compile time
  const config = flow.configsAsWritten.get(route.nodeId) as WebhookTriggerConfig | undefined;
  // written out rather than spread: the spread was about 1 % of saturated ingest's CPU profile
  return config
    ? { flowId: route.flowId, version: route.version, nodeId: route.nodeId, method: route.method, config }
    : undefined;
}
