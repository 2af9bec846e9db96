import type { EngineContext } from '../core/index.js';
import { ingest } from '../ingest/index.js';

export function track(ctx: EngineContext): number {
  return ingest(ctx);
}
