// Test helpers of @tributary/api (imported as @tributary/api/testing, from tests only): the app on a test
// engine, for tests of other workspaces that drive the API (the CLI's run it over a real port).
export { waitFor } from '@tributary/engine/testing';
export * from '../test-app.js';
