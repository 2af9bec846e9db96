import type { EngineContext } from './core/index.js';
import { replay } from './control/index.js';
import { track } from './tracking/index.js';

export function createEngine(ctx: EngineContext) {
  return { replay: () => replay(ctx), track: () => track(ctx) };
}
