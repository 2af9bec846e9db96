import { runStep } from '../steps/index.js';

export const ahead = runStep;
