import { runs } from '@tributary/db/src/schema.js';

export const table = runs;
