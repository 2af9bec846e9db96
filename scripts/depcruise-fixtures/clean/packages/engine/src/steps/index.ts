export { runStep } from './pipeline.js';
