// Public surface of @tributary/db: schema, client factory, ids, timestamps.
export * from './client.js';
export * from './driver-faults.js';
export * from './ids.js';
export * from './iso-time.js';
export * from './json-rows.js';
export * from './raw-sql.js';
export type * from './schema.js';
export * as schema from './schema.js';
export * from './statuses.js';
