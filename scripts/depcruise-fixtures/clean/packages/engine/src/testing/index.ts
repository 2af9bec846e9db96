import { testTables } from '@tributary/db/testing';
import { createEngine } from '../index.js';

export function createTestEngine() {
  return createEngine({ flows: [], table: testTables[0] ?? { name: 'runs' } });
}
