// The broker triggers' consumers of one process: one per live flow whose trigger is a broker trigger,
// started when the flow is published, restarted when its version or its credential changes, stopped when
// it is deactivated, and all stopped (in-flight messages committed and acknowledged first) on close.
//
// Consumers run where workers run (TRIBUTARY_MODE all or worker), not in api-only processes: scaling
// workers then scales consumption, and each broker's competing-consumer setup (AMQP queue consumers, one
// JetStream durable consumer) makes sure each message starts one run however many worker processes consume.
// An exclusive trigger (MQTT) is consumed by one process at a time instead: the one holding its lease
// (leases.ts), taken or renewed at every sync. A publish in another process is seen at the next sync (every
// syncMs).
import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import { checkAllowedHost, type RunningConsumer, runConsumer } from '@tributary/nodes';
import type { CompiledFlow, EngineContext, Logger } from '../core/index.js';
import { openCredential } from '../credentials/index.js';
import { consumerMetrics } from './consumer-metrics.js';
import type { ConsumerTarget } from './deliver.js';
import { deliverMessage } from './deliver.js';
import { holdLease, releaseLeases } from './leases.js';

/** Settings of a process's consumers. */
export interface ConsumerOptions {
  /** Largest message body accepted, in bytes (TRIBUTARY_MAX_BODY); larger ones are rejected. */
  maxMessageBytes: number;
  /** How often the live flows are read again, to see publishes made in other processes. */
  syncMs: number;
  /**
   * This process's name among the consumers of a trigger, stable across its restarts (the MQTT session is
   * found again by it); two processes consuming at once need different names.
   */
  instance: string;
}

/** Defaults: the webhook body limit, a sync every five seconds, and the host name. */
export const DEFAULT_CONSUMER_OPTIONS: ConsumerOptions = {
  maxMessageBytes: 1024 * 1024,
  syncMs: 5_000,
  instance: hostname(),
};

interface Running {
  /** What a change of restarts it: the flow version and the credential's version. */
  signature: string;
  /** The broker kind, the metrics' trigger label. */
  kind: string;
  consumer: RunningConsumer;
}

/** The broker trigger of a live flow, if it has one that is enabled. */
function brokerTrigger(flow: CompiledFlow) {
  if (flow.triggerKind !== 'broker' || flow.trigger.disabled) return undefined;
  const consumer = flow.types.get(flow.trigger.id)?.traits.consumer;
  // broker trigger configs hold no expressions (refused at publish), so they parsed when the version was compiled
  const config = flow.configsAsWritten.get(flow.trigger.id) as { credential?: unknown } | undefined;
  if (!consumer || !config || typeof config.credential !== 'string') return undefined;
  return { consumer, config, credentialId: config.credential };
}

/** The consumers of one engine. */
export class BrokerConsumers {
  readonly #ctx: EngineContext;
  readonly #options: ConsumerOptions;
  readonly #running = new Map<string, Running>();
  readonly #metrics;
  readonly #logger: Logger;
  /** This engine's name on the leases of exclusive triggers. */
  readonly #holder: string;
  #timer: NodeJS.Timeout | undefined;
  #syncing: Promise<void> | undefined;
  #again = false;
  #closed = false;

  constructor(ctx: EngineContext, options: ConsumerOptions) {
    this.#ctx = ctx;
    this.#options = options;
    this.#metrics = consumerMetrics(ctx.metrics.registry);
    this.#logger = ctx.logger.child({ component: 'broker-consumers' });
    this.#holder = `${options.instance}:${randomBytes(4).toString('hex')}`;
  }

  /** How long a lease lasts unrenewed: three syncs (at least 3 s), so one slow sync does not lose it. */
  get #leaseMs(): number {
    return Math.max(3 * this.#options.syncMs, 3_000);
  }

  /** Starts consuming for the live flows and keeps in step with them every syncMs. */
  start(): void {
    if (this.#timer || this.#closed) return;
    void this.sync();
    this.#timer = setInterval(() => void this.sync(), this.#options.syncMs);
    this.#timer.unref();
  }

  /** How many consumers run (for tests and logs). */
  get size(): number {
    return this.#running.size;
  }

  /**
   * Makes the running consumers match the live flows; a sync asked for while one runs runs again after it.
   * Never rejects: a failure is logged and the next sync tries again.
   */
  sync(): Promise<void> {
    if (this.#syncing) {
      this.#again = true;
      return this.#syncing;
    }
    this.#syncing = (async () => {
      do {
        this.#again = false;
        try {
          await this.#syncOnce();
        } catch (err) {
          this.#logger.warn({ err }, 'could not update broker consumers now; trying again shortly');
        }
      } while (this.#again && !this.#closed);
    })().finally(() => {
      this.#syncing = undefined;
    });
    return this.#syncing;
  }

  async #syncOnce(): Promise<void> {
    if (this.#closed) return;
    const flows = await this.#ctx.live.list(this.#ctx.db, this.#ctx.flows);
    const wanted = new Map<
      string,
      { flow: CompiledFlow; trigger: NonNullable<ReturnType<typeof brokerTrigger>> }
    >();
    for (const flow of flows) {
      const trigger = brokerTrigger(flow);
      if (trigger) wanted.set(flow.flowId, { flow, trigger });
    }
    for (const [flowId, running] of this.#running) {
      if (!wanted.has(flowId)) {
        await this.#stop(flowId, running, 'the flow is no longer live');
        await releaseLeases(this.#ctx.db, this.#holder, [flowId]);
      }
    }
    for (const [flowId, { flow, trigger }] of wanted) {
      if (this.#closed) return;
      if (
        trigger.consumer.exclusive &&
        !(await holdLease(this.#ctx.db, flowId, this.#holder, this.#leaseMs))
      ) {
        // another process consumes it; its session stays for whoever holds the lease next
        const lost = this.#running.get(flowId);
        if (lost) await this.#stop(flowId, lost, 'another process holds the trigger’s lease', false);
        continue;
      }
      const credential = await openCredential(this.#ctx.db, this.#ctx.keyring, trigger.credentialId).catch(
        (err: unknown) => {
          this.#logger.warn(
            { flowId, err },
            'the broker trigger’s credential cannot be opened; not consuming',
          );
          return undefined;
        },
      );
      const signature = `${flow.version}:${credential?.version ?? 'none'}`;
      const running = this.#running.get(flowId);
      if (running?.signature === signature) continue;
      if (running) await this.#stop(flowId, running, 'the flow version or its credential changed');
      if (!credential || credential.type !== trigger.consumer.credentialType) continue;
      const kind = trigger.consumer.credentialType;
      const target: ConsumerTarget = { flowId, version: flow.version, kind };
      const logger = this.#logger.child({ flowId, version: flow.version, trigger: kind });
      const labels = { flow: flowId, trigger: kind };
      const consumer = runConsumer(trigger.consumer, trigger.config, credential.data, {
        dial: {
          resolveAddress: (host) => {
            checkAllowedHost(host, credential.allowedHosts);
            return this.#ctx.resolveAddress(host);
          },
          allowedHosts: credential.allowedHosts,
        },
        logger,
        group: flowId,
        instance: this.#options.instance,
        deliver: (message) =>
          deliverMessage(this.#ctx, target, message, {
            maxMessageBytes: this.#options.maxMessageBytes,
            metrics: this.#metrics,
            logger,
          }),
        reportLag: (pending) => this.#metrics.lag.set(labels, pending),
        connected: (up) => this.#metrics.connected.set(labels, up ? 1 : 0),
      });
      this.#running.set(flowId, { signature, kind, consumer });
      logger.info({}, 'broker trigger consuming');
    }
  }

  async #stop(flowId: string, running: Running, why: string, retire = true): Promise<void> {
    this.#running.delete(flowId);
    await running.consumer.stop(retire);
    this.#metrics.connected.remove({ flow: flowId, trigger: running.kind });
    this.#metrics.lag.remove({ flow: flowId, trigger: running.kind });
    this.#logger.info({ flowId, why }, 'broker trigger stopped');
  }

  /** Stops every consumer: no new messages, those being handled committed and acknowledged, then closed. */
  async close(): Promise<void> {
    this.#closed = true;
    if (this.#timer) clearInterval(this.#timer);
    this.#timer = undefined;
    await this.#syncing;
    const running = [...this.#running.values()];
    this.#running.clear();
    // the triggers live on: a persistent MQTT session keeps its subscription for this process's return
    await Promise.all(running.map((r) => r.consumer.stop(false)));
    // and another process takes over the exclusive ones at its next sync
    await releaseLeases(this.#ctx.db, this.#holder).catch((err: unknown) => {
      this.#logger.warn({ err }, 'could not give back the broker trigger leases; they run out by themselves');
    });
  }
}
