// consumers/: broker triggers — a consumer per live flow with an AMQP, MQTT or NATS trigger, whose messages
// become events through ingest and are acknowledged only once committed.
export type { ConsumerOptions } from './broker-consumers.js';
export { BrokerConsumers, DEFAULT_CONSUMER_OPTIONS } from './broker-consumers.js';
export type { ConsumerMetrics } from './consumer-metrics.js';
export { consumerMetrics } from './consumer-metrics.js';
