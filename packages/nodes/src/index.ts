// Public surface of @tributary/nodes: defineNode, the catalogue, the guarded HTTP client.
export { AMQP_TIMEOUTS, dialAmqp, openAmqpConnection } from './amqp/amqp-connection.js';
export type { AmqpServer } from './amqp/amqp-url.js';
export { parseAmqpUrl } from './amqp/amqp-url.js';
export type { BrokerDial, DialContext } from './brokers/broker-dial.js';
export { closeBrokerConnections } from './brokers/connection-pool.js';
export type {
  ConsumedMessage,
  ConsumerContext,
  ConsumerDefinition,
  ConsumerLogger,
  ConsumerSession,
  RunningConsumer,
  Verdict,
} from './brokers/consumer.js';
export { RECONNECT_BACKOFF, RETRY_DELAY_MS, runConsumer } from './brokers/consumer.js';
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
export type { MqttServer, MqttSessionOptions } from './mqtt/mqtt-connection.js';
export { dialMqtt, MQTT_TIMEOUTS, openMqttConnection, parseMqttUrl } from './mqtt/mqtt-connection.js';
export type { NatsAuth, NatsDial, NatsServer } from './nats/nats-connection.js';
export { dialNats, NATS_TIMEOUTS, openNatsConnection, parseNatsServers } from './nats/nats-connection.js';
export type { ScheduleTriggerConfig } from './triggers/schedule.js';
export type { TrackingTriggerConfig, TrackingType } from './triggers/tracking.js';
export { TRACKING_TYPES } from './triggers/tracking.js';
export type { WebhookTriggerConfig } from './triggers/webhook.js';
export { webhookTrigger } from './triggers/webhook.js';
export type { WebhookAuthResult, WebhookHeaders } from './triggers/webhook-auth.js';
export { verifyWebhookAuth } from './triggers/webhook-auth.js';
