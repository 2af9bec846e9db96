import { portsOf } from '@tributary/flow';
import type { EngineContext } from '../core/index.js';

export function plan(ctx: EngineContext): string[] {
  return ctx.flows.flatMap(portsOf);
}
