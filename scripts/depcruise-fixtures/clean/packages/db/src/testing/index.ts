import { runs } from '../index.js';

export const testTables = [runs];
