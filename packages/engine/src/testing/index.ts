// Test helpers of @tributary/engine (imported as @tributary/engine/testing, from tests only).

export { openCredential } from '../credentials/index.js';
export * from './capture-log.js';
export * from './engine-fixture.js';
export * from './held-key.js';
export * from './own-redis.js';
export * from './plans.js';
export * from './spawn-worker.js';
