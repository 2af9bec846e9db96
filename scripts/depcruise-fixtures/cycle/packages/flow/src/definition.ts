import type { portsOf } from './graph.js';

export interface FlowDefinition {
  name: string;
  nodes: string[];
  ports?: ReturnType<typeof portsOf>;
}
