import type { FlowDefinition } from './definition.js';

export const DEFAULT_PORT = 'main';

export function portsOf(flow: FlowDefinition): string[] {
  return flow.nodes.map(() => DEFAULT_PORT);
}
