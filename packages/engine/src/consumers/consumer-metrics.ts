// Metrics of broker triggers, per flow and trigger type, on the engine's registry: what each consumer
// received, acknowledged, handed back for redelivery and rejected, and the backlog the broker reports.
import { Counter, Gauge, type Registry } from 'prom-client';

/** The counters and gauges of broker consumers. */
export interface ConsumerMetrics {
  received: Counter<'flow' | 'trigger'>;
  acked: Counter<'flow' | 'trigger'>;
  /** Not stored now (Postgres unavailable): left for the broker to deliver again. */
  redelivered: Counter<'flow' | 'trigger'>;
  rejected: Counter<'flow' | 'trigger' | 'reason'>;
  lag: Gauge<'flow' | 'trigger'>;
  /** Consumers of this process connected to their broker (1) or not (0). */
  connected: Gauge<'flow' | 'trigger'>;
}

const byRegistry = new WeakMap<Registry, ConsumerMetrics>();

/** The consumer metrics on `registry`, registered on first use (one set per engine). */
export function consumerMetrics(registry: Registry): ConsumerMetrics {
  const known = byRegistry.get(registry);
  if (known) return known;
  const labelNames = ['flow', 'trigger'] as const;
  const metrics: ConsumerMetrics = {
    received: new Counter({
      name: 'tributary_broker_messages_received_total',
      help: 'Messages broker triggers received (a redelivered message counts again).',
      labelNames,
      registers: [registry],
    }),
    acked: new Counter({
      name: 'tributary_broker_messages_acked_total',
      help: 'Messages acknowledged to the broker after their event and runs were committed.',
      labelNames,
      registers: [registry],
    }),
    redelivered: new Counter({
      name: 'tributary_broker_messages_retried_total',
      help: 'Messages not stored now (the database unavailable) and left unacknowledged for the broker to deliver again.',
      labelNames,
      registers: [registry],
    }),
    rejected: new Counter({
      name: 'tributary_broker_messages_rejected_total',
      help: 'Messages that can never be accepted (over the size limit, unstorable), handed to the broker’s dead-letter path.',
      labelNames: ['flow', 'trigger', 'reason'],
      registers: [registry],
    }),
    lag: new Gauge({
      name: 'tributary_broker_consumer_lag',
      help: 'Messages waiting in the broker for a trigger, where the broker says (JetStream num_pending, AMQP queue messageCount).',
      labelNames,
      registers: [registry],
    }),
    connected: new Gauge({
      name: 'tributary_broker_consumer_connected',
      help: 'Whether a broker trigger’s consumer in this process is connected (1) or reconnecting (0).',
      labelNames,
      registers: [registry],
    }),
  };
  byRegistry.set(registry, metrics);
  return metrics;
}
