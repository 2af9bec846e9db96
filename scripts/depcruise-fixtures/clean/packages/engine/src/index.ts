export type { EngineContext } from './core/index.js';
export { createEngine } from './engine.js';
