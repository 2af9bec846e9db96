import type { FlowDefinition } from '@tributary/flow';

export function title(flow: FlowDefinition): string {
  return flow.name;
}
