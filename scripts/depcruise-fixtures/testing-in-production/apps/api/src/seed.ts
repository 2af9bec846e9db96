import { createTestEngine } from '@tributary/engine/testing';

export const seedEngine = createTestEngine;
