import type { EngineContext } from '../core/index.js';
import { runStep } from '../steps/index.js';

export function ingest(ctx: EngineContext): number {
  return runStep(ctx);
}
