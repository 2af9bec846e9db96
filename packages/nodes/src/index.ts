// Public surface of @tributary/nodes: defineNode, the catalogue, the guarded HTTP client.
export * from './catalogue.js';
export * from './credentials/index.js';
export * from './define-node.js';
export * from './http/address-policy.js';
export * from './http/circuit-breaker.js';
export { resolveCheckedAddresses, systemResolver } from './http/guarded-connector.js';
export * from './http/guarded-http-client.js';
export * from './http/header-syntax.js';
export * from './http/http-client.js';
export { isTruthy } from './logic/json-value.js';
export type { ScheduleTriggerConfig } from './triggers/schedule.js';
export type { TrackingTriggerConfig, TrackingType } from './triggers/tracking.js';
export { TRACKING_TYPES } from './triggers/tracking.js';
export type { WebhookTriggerConfig } from './triggers/webhook.js';
export { webhookTrigger } from './triggers/webhook.js';
export type { WebhookAuthResult, WebhookHeaders } from './triggers/webhook-auth.js';
export { verifyWebhookAuth } from './triggers/webhook-auth.js';
