import { listFlows } from '../flows/index.js';

export const flowNames = listFlows;
