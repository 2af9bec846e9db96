import type { FlowDefinition } from '@tributary/flow';
import type { runs } from '@tributary/db';

export interface EngineContext {
  flows: FlowDefinition[];
  table: typeof runs;
}
