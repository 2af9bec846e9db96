// Test helpers of @tributary/db (imported as @tributary/db/testing, from tests only).

export * from './cuttable-proxy.js';
export * from './test-database.js';
