import type { EngineContext } from '../core/index.js';

export function listFlows(ctx: EngineContext): string[] {
  return ctx.flows.map((flow) => flow.name);
}
