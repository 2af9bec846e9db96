// What a broker trigger's consumer is made of: a session (one connection consuming) opened by the broker's
// own code, and a loop that keeps one session open — reopening it with backoff after the broker or the
// network closed it — until the consumer is stopped. Messages are acknowledged only on the engine's word.
import type { DialContext } from './broker-dial.js';
import { reasonOf } from './broker-errors.js';

/** A message as a broker trigger hands it to the engine. */
export interface ConsumedMessage {
  /** The trigger item: `{ body, headers, topic | routingKey | subject, properties }`. */
  item: Record<string, unknown>;
  /** The message's id (AMQP messageId, Nats-Msg-Id, MQTT user property message-id), the event's idempotency key. */
  messageId: string | undefined;
  /** The body's size in bytes as received: what the size limit is checked against. */
  bytes: number;
}

/**
 * What the engine made of a message: `accepted` (its event and runs are committed: acknowledge it), `retry`
 * (nothing was stored, e.g. Postgres is unavailable: do not acknowledge, have it delivered again later), or
 * `reject` (it can never be accepted, e.g. too large: hand it to the broker's dead-letter path).
 */
export type Verdict = 'accepted' | 'retry' | 'reject';

/** The minimal logger a consumer gets. */
export interface ConsumerLogger {
  info(obj: object, msg?: string): void;
  warn(obj: object, msg?: string): void;
  error(obj: object, msg?: string): void;
}

/** What a consumer is given by the engine. */
export interface ConsumerContext {
  /** Where its connections may go: the credential's allowedHosts and the outbound address policy. */
  dial: DialContext;
  logger: ConsumerLogger;
  /**
   * A name the consumers of one trigger share in every process (the flow id): the MQTT shared-subscription
   * group, so the processes compete for messages instead of each getting a copy.
   */
  group: string;
  /** A name of this process's consumer alone, stable while the process lives (MQTT client ids). */
  instance: string;
  /** Hands a message to the engine; resolves with what to tell the broker. Never rejects. */
  deliver(message: ConsumedMessage): Promise<Verdict>;
  /** The broker's backlog for this trigger, where the broker tells it (JetStream num_pending, AMQP messageCount). */
  reportLag(pending: number): void;
  /** Told when the consumer's connection opens (true) and when it is lost (false). */
  connected(up: boolean): void;
}

/** One open connection consuming for a trigger. */
export interface ConsumerSession {
  /** Settles when the broker or the network closed the connection (not when close() did). */
  readonly closed: Promise<void>;
  /**
   * Stops taking messages, waits for those being handled to be committed and acknowledged (or, if they
   * cannot be, left unacknowledged for the broker to deliver again), then closes the connection. `retire`:
   * the trigger itself is gone or changed (not just this process stopping), so a subscription the broker
   * keeps for the session (MQTT) is removed too.
   */
  close(retire?: boolean): Promise<void>;
}

/** Opens a session: what each broker's trigger provides. Fails when the connection or the setup fails. */
export type OpenSession<C> = (
  config: C,
  credentialData: Readonly<Record<string, unknown>>,
  ctx: ConsumerContext,
  signal: AbortSignal,
) => Promise<ConsumerSession>;

/** A broker trigger's consumer, as its node definition declares it (the `consumer` trait). */
export interface ConsumerDefinition<C> {
  /** The credential type its `credential` field names. */
  credentialType: string;
  open: OpenSession<C>;
  /**
   * One consumer per trigger across all processes, elected by the engine (a lease in Postgres), instead of
   * every process competing: for a broker whose competing consumers cannot keep messages across its own
   * restart (MQTT shared subscriptions). The session is then the trigger's, found again by whichever
   * process holds the lease next.
   */
  exclusive?: boolean;
}

/** Backoff between attempts to reopen a session: doubles from the first to the last, with jitter. */
export const RECONNECT_BACKOFF = { firstMs: 500, maxMs: 30_000 } as const;

/** How long a message the engine could not store now waits before it is handed back to the broker. */
export const RETRY_DELAY_MS = 2_000;

/** A running consumer; stop() ends it. */
export interface RunningConsumer {
  /** Stops consuming; `retire` when the trigger is gone or changed (see ConsumerSession.close). */
  stop(retire?: boolean): Promise<void>;
}

/** Resolves after `ms`, or at once when `signal` aborts. */
export function pause(ms: number, signal: AbortSignal): Promise<void> {
  if (signal.aborted) return Promise.resolve();
  return new Promise((resolve) => {
    const timer = setTimeout(done, ms);
    signal.addEventListener('abort', done, { once: true });
    function done(): void {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    }
  });
}

/**
 * Keeps a session of `open` running until stop(): a session that fails to open or is closed by the broker
 * is reopened after a backoff (reset once a session opened), and each failure is logged once per attempt.
 * Messages sent meanwhile wait in the broker (durable queue, JetStream consumer, persistent MQTT session).
 */
export function runConsumer<C>(
  definition: ConsumerDefinition<C>,
  config: C,
  credentialData: Readonly<Record<string, unknown>>,
  ctx: ConsumerContext,
): RunningConsumer {
  const stopping = new AbortController();
  const aborted = new Promise<void>((resolve) =>
    stopping.signal.addEventListener('abort', () => resolve(), { once: true }),
  );
  let session: ConsumerSession | undefined;
  const loop = (async () => {
    let backoff: number = RECONNECT_BACKOFF.firstMs;
    while (!stopping.signal.aborted) {
      try {
        const opened = await definition.open(config, credentialData, ctx, stopping.signal);
        if (stopping.signal.aborted) {
          // opened while stop() was under way: stop() no longer sees it, so it is closed here
          await opened.close();
          break;
        }
        session = opened;
        backoff = RECONNECT_BACKOFF.firstMs;
        ctx.connected(true);
        ctx.logger.info({}, 'consumer connected');
        await Promise.race([opened.closed, aborted]);
        if (stopping.signal.aborted) break;
        ctx.connected(false);
        session = undefined;
        // what was being handled when the connection went is delivered again by the broker
        await opened.close();
        ctx.logger.warn({}, 'the broker closed the consumer’s connection; reconnecting');
      } catch (err) {
        if (stopping.signal.aborted) break;
        ctx.logger.warn({ reason: reasonOf(err), retryInMs: backoff }, 'consumer could not connect');
      }
      // equal jitter: between half and all of the backoff, so consumers of one broker do not return in step
      await pause(backoff / 2 + Math.random() * (backoff / 2), stopping.signal);
      backoff = Math.min(backoff * 2, RECONNECT_BACKOFF.maxMs);
    }
  })();
  return {
    async stop(retire = false) {
      stopping.abort();
      await session?.close(retire);
      session = undefined;
      await loop;
    },
  };
}
