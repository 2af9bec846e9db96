import { catalogue } from '@tributary/nodes';
import type { EngineContext } from '../core/index.js';
import { plan } from '../plan/index.js';
import { retryDelay } from './retry-policy.js';

export function runStep(ctx: EngineContext): number {
  return plan(ctx).length + catalogue.length + retryDelay(1);
}
