// a test may import anything of its package: a later stage, a file behind an index, the test helpers
import { peerUrl } from '@tributary/nodes/testing';
import { listFlows } from '../flows/index.js';
import { ingest } from '../ingest/index.js';
import { createTestEngine } from '../testing/index.js';
import { retryDelay } from './retry-policy.js';

export const checks = [peerUrl, listFlows, ingest, createTestEngine, retryDelay];
