export type { FlowDefinition } from './definition.js';
export { DEFAULT_PORT, portsOf } from './graph.js';
