// Test helpers of @tributary/engine (imported as @tributary/engine/testing, from tests only).
export * from './engine-fixture.js';
