// access/: API keys — random secrets stored only as hashes, each with a role; the owner key at first start.
export type { Principal } from './api-keys.js';
export { bootstrapOwnerKey, createApiKey, generateApiKey, verifyApiKey } from './api-keys.js';
