import type { EngineContext } from '../core/index.js';
import { listFlows } from '../flows/index.js';
import { runStep } from '../steps/index.js';

export function replay(ctx: EngineContext): number {
  return listFlows(ctx).length + runStep(ctx);
}
