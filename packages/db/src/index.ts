// Public surface of @tributary/db: schema, client factory, ids.
export * from './client.js';
export * from './driver-faults.js';
export * from './ids.js';
export * from './json-rows.js';
export * from './raw-sql.js';
export type * from './schema.js';
export * as schema from './schema.js';
export * from './statuses.js';
