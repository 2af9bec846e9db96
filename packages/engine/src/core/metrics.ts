// Prometheus metrics of the engine, on a registry of its own (so several engines can live in one test).
import { Counter, collectDefaultMetrics, Gauge, Registry } from 'prom-client';
import { LeanHistogram } from './lean-histogram.js';

/** The engine's metric instruments. */
export interface EngineMetrics {
  registry: Registry;
  eventsIngested: Counter<'source'>;
  planViolations: Counter<'source' | 'mode'>;
  runsFinished: Counter<'status'>;
  runsStarted: Counter;
  stepDuration: LeanHistogram<'type' | 'status'>;
  stepRetries: Counter<'type'>;
  stepsHeld: Counter<'rule' | 'outcome' | 'channel'>;
  stepsFused: Counter;
  ingestBatchSize: LeanHistogram;
  ingestPhase: LeanHistogram<'phase'>;
  ingestShed: Counter<'reason'>;
  retentionDeleted: Counter<'kind'>;
  sweeperReenqueued: Counter<'reason'>;
  sweeperFullChecks: Counter<'reason'>;
  deadLetters: Counter<'type'>;
  queueDepth: Gauge<'state'>;
  queueOldest: Gauge;
  runsWaitingTurn: Gauge;
  ready: Gauge;
  breakerTransitions: Counter<'host' | 'to'>;
  loginFailures: Counter<'reason'>;
  reentryRefused: Counter<'flow' | 'rule'>;
  breakerState: Gauge<'host' | 'state'>;
}

/**
 * The buckets of `tributary_nodejs_gc_duration_seconds` (seconds). prom-client's own (1 ms, 10 ms, 100 ms, …)
 * put nearly every pause of a server like this one — young collections of a few milliseconds, the odd full
 * one of ten or twenty — in one bucket, so a p99 read from them said only "between 1 and 10 ms".
 */
const GC_PAUSE_BUCKETS = [0.0005, 0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.5, 1];

/** Creates the metric instruments; `depth` is asked for the queue depth at each scrape. */
export function createMetrics(
  depth: () => Promise<Record<string, number>>,
  options: {
    defaultMetrics?: boolean;
    breakers?: () => Array<{ host: string; state: string }>;
    /** Seconds the oldest due step has waited to be run (0 when none), asked at each scrape. */
    oldestDue?: () => Promise<number>;
    /** Whether Postgres and Redis answer, asked at each scrape. */
    ready?: () => Promise<boolean>;
  } = {},
): EngineMetrics {
  const registry = new Registry();
  if (options.defaultMetrics ?? true) {
    collectDefaultMetrics({ register: registry, prefix: 'tributary_', gcDurationBuckets: GC_PAUSE_BUCKETS });
  }
  return {
    registry,
    eventsIngested: new Counter({
      name: 'tributary_events_ingested_total',
      help: 'Events accepted and committed, by source kind.',
      labelNames: ['source'],
      registers: [registry],
    }),
    planViolations: new Counter({
      name: 'tributary_tracking_plan_violations_total',
      help: "Tracking events that broke their source's tracking plan, by source id and plan mode (flag: stored flagged; reject: refused).",
      labelNames: ['source', 'mode'],
      registers: [registry],
    }),
    runsStarted: new Counter({
      name: 'tributary_runs_started_total',
      help: 'Runs created.',
      registers: [registry],
    }),
    runsFinished: new Counter({
      name: 'tributary_runs_finished_total',
      help: 'Runs that reached a final status, by status.',
      labelNames: ['status'],
      registers: [registry],
    }),
    stepDuration: new LeanHistogram({
      name: 'tributary_step_duration_seconds',
      help: 'Wall time of step attempts, by node type and outcome.',
      labelNames: ['type', 'status'],
      buckets: [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
      registers: [registry],
    }),
    stepRetries: new Counter({
      name: 'tributary_step_retries_total',
      help: 'Step attempts that failed and were scheduled again, by node type.',
      labelNames: ['type'],
      registers: [registry],
    }),
    stepsHeld: new Counter({
      name: 'tributary_steps_held_total',
      help: 'Deliveries of steps with a channel tag that a sending rule held back: quiet hours or a frequency cap, delayed or capped.',
      labelNames: ['rule', 'outcome', 'channel'],
      registers: [registry],
    }),
    ingestBatchSize: new LeanHistogram({
      name: 'tributary_ingest_batch_size',
      help: 'Events written per ingest transaction (concurrent requests share one).',
      buckets: [1, 2, 5, 10, 20, 50, 100, 200],
      registers: [registry],
    }),
    ingestPhase: new LeanHistogram({
      name: 'tributary_ingest_phase_seconds',
      help:
        'Where an accepted event spends its time after it is worked out: wait (for its group commit to start), ' +
        'open (a pooled connection and BEGIN; or the connection taken for one statement), write (the statements), ' +
        'commit (COMMIT, the WAL flush), statement (a batch written by one statement without a transaction: ' +
        'write and commit in one), refused (such a statement whose condition did not hold: it wrote nothing, ' +
        'and its batch then took a transaction), ' +
        'enqueue (adding its steps to Redis). Per commit, except wait (per event or tracking request).',
      labelNames: ['phase'],
      buckets: [0.0005, 0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.2, 0.5, 1, 2],
      registers: [registry],
    }),
    ingestShed: new Counter({
      name: 'tributary_ingest_shed_total',
      help:
        'Webhook events and tracking requests answered 503 unwritten because ingest could not keep up: ' +
        'backlog (the bytes waiting for a commit were at TRIBUTARY_INGEST_MAX_PENDING_BYTES) or waited (no ' +
        'commit succeeded within the ingest time limit while they waited, or none took them within ' +
        'TRIBUTARY_INGEST_MAX_WAIT_MS) or bodies (a large body found no room in TRIBUTARY_INGEST_BODY_BUDGET ' +
        'within TRIBUTARY_INGEST_MAX_WAIT_MS, unread).',
      labelNames: ['reason'],
      registers: [registry],
    }),
    retentionDeleted: new Counter({
      name: 'tributary_retention_deleted_total',
      help: 'Rows the retention job deleted, by kind (runs, steps, events, sends: frequency-cap sends no cap counts).',
      labelNames: ['kind'],
      registers: [registry],
    }),
    sweeperReenqueued: new Counter({
      name: 'tributary_sweeper_reenqueued_total',
      help:
        'Step jobs the recovery sweeper enqueued again, by reason: missing (Redis had no job for an open step) ' +
        'or late (the step was due in Postgres but its job was delayed: a wake-up lost in a crash).',
      labelNames: ['reason'],
      registers: [registry],
    }),
    sweeperFullChecks: new Counter({
      name: 'tributary_sweeper_full_checks_total',
      help:
        "Full checks the recovery sweeper started (every open step's job examined, parked ones included), by " +
        'reason: start, interval, redis_lost (the Redis mark was gone or keys were evicted), redis_unread.',
      labelNames: ['reason'],
      registers: [registry],
    }),
    stepsFused: new Counter({
      name: 'tributary_steps_fused_total',
      help: 'Pure steps run inline in the transaction of the step before them (step fusion).',
      registers: [registry],
    }),
    deadLetters: new Counter({
      name: 'tributary_dead_letters_total',
      help: 'Steps that ended in the dead-letter queue, by node type.',
      labelNames: ['type'],
      registers: [registry],
    }),
    breakerTransitions: new Counter({
      name: 'tributary_circuit_breaker_transitions_total',
      help: 'Changes of state of the per-host circuit breakers of outbound HTTP, by host and new state.',
      labelNames: ['host', 'to'],
      registers: [registry],
    }),
    loginFailures: new Counter({
      name: 'tributary_login_failures_total',
      help:
        'Refused sign-ins, by reason: invalid (unknown address, wrong password or disabled user — not told apart), ' +
        'email_locked (too many failures for the e-mail address), ip_locked (too many failures from one client IP address).',
      labelNames: ['reason'],
      registers: [registry],
    }),
    reentryRefused: new Counter({
      name: 'tributary_reentry_refused_total',
      help:
        'Tracking events that matched a flow but whose person its re-entry rule (settings.reentry) kept out, ' +
        'by flow slug and rule (once, one-at-a-time, min-interval). Recorded on the event; not an error.',
      labelNames: ['flow', 'rule'],
      registers: [registry],
    }),
    breakerState: new Gauge({
      name: 'tributary_circuit_breaker_state',
      help: 'Hosts whose outbound circuit breaker is open or half-open (1); closed ones are not listed.',
      labelNames: ['host', 'state'],
      registers: [registry],
      collect() {
        this.reset();
        for (const { host, state } of options.breakers?.() ?? []) this.set({ host, state }, 1);
      },
    }),
    queueDepth: new Gauge({
      name: 'tributary_queue_depth',
      help: 'Step jobs in the queue, by state.',
      labelNames: ['state'],
      registers: [registry],
      async collect() {
        try {
          for (const [state, n] of Object.entries(await depth())) this.set({ state }, n);
        } catch {
          // Redis unreachable: leave the last values; /readyz reports the outage
        }
      },
    }),
    queueOldest: new Gauge({
      name: 'tributary_queue_oldest_seconds',
      help: 'How long the oldest step that is due has waited to start (0 when none waits): workers keep up when it stays small.',
      registers: [registry],
      async collect() {
        try {
          this.set((await options.oldestDue?.()) ?? 0);
        } catch {
          // Postgres unreachable: leave the last value; tributary_ready says why
        }
      },
    }),
    runsWaitingTurn: new Gauge({
      name: 'tributary_runs_waiting_turn',
      help: 'Runs accepted but not started because their flow is at its concurrency limit or a run of their partition key is in progress (settings.concurrency, settings.partitionKey), as counted in Postgres at the last sweep of this process (0 where no sweeper runs).',
      registers: [registry],
    }),
    ready: new Gauge({
      name: 'tributary_ready',
      help: 'Whether this process reaches Postgres and Redis (1) or not (0), as /readyz answers.',
      registers: [registry],
      async collect() {
        this.set((await options.ready?.().catch(() => false)) ? 1 : 0);
      },
    }),
  };
}
