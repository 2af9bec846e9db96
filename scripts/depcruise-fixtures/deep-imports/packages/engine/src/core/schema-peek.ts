import { runs } from '../../../db/src/schema.js';

export const table = runs;
