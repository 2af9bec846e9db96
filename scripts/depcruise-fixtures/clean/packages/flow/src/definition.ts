export interface FlowDefinition {
  name: string;
  nodes: string[];
}
