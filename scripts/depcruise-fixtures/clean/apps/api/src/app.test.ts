// tests may build queries and use the test helpers
import { createTestEngine } from '@tributary/engine/testing';
import { sql } from 'drizzle-orm';
import { app } from './app.js';

export const checks = [createTestEngine, sql, app];
