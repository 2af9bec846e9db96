// defineNode(): the one way to declare a node type — metadata, ports, zod config schema and run().
import type { NodeCategory, NodeTypeContract } from '@tributary/flow';
import { DEFAULT_PORT } from '@tributary/flow';
import type { z } from 'zod';
import type { ConsumerDefinition } from './brokers/consumer.js';
import type { NodeCredential } from './credentials/http-auth.js';
import type { HttpClient } from './http/http-client.js';

/** One item flowing between steps: any JSON value (usually an object). */
export type Item = unknown;

/** Items per output port, e.g. `{ main: [item] }` or `{ true: [], false: [item] }`. */
export type NodeOutput = Record<string, Item[]>;

/** Retry defaults of a node type; a flow node's `retry` overrides any of them. */
export interface RetryPolicy {
  attempts: number;
  backoff: 'exponential' | 'fixed';
  delayMs: number;
  maxDelayMs: number;
  /** Equal jitter: wait a random time between half and all of the computed delay. */
  jitter: boolean;
}

/** The minimal logger a node gets (a pino child logger satisfies it). */
export interface NodeLogger {
  debug(obj: object, msg?: string): void;
  info(obj: object, msg?: string): void;
  warn(obj: object, msg?: string): void;
  error(obj: object, msg?: string): void;
}

/** Everything a running node may touch; side effects go only through here. */
export interface NodeContext<C> {
  /** The config with every expression resolved, validated by the node's schema. */
  config: C;
  /** Aborted when the step times out or the run is canceled. */
  signal: AbortSignal;
  logger: NodeLogger;
  runId: string;
  stepId: string;
  nodeId: string;
  /** 1 for the first attempt. */
  attempt: number;
  /** The id that ties a run's outbound calls together (the triggering event id). */
  correlationId: string;
  /** Stable across attempts of this step: send it to peers that support idempotent requests. */
  idempotencyKey: string;
  /** Outbound HTTP that enforces the SSRF policy. */
  http: HttpClient;
  /**
   * Parks the step for `ms`. The first call throws a signal the engine catches and records the wake-up
   * time durably; once the step is woken at or after it, the call returns and the node goes on.
   */
  sleep(ms: number): void;
  /**
   * Waits durably for an event: first looks back in the event log, else parks the step until a matching
   * event arrives or the timeout passes. Exactly one outcome is ever returned for a step.
   */
  waitForEvent(request: WaitForEventRequest): Promise<WaitOutcome>;
  /**
   * Calls another flow (its published version, which starts with a sub-flow trigger) with `input`: starts
   * one child run per step, whatever is redelivered. With `wait`, parks the step durably until the child run
   * ends, then returns its outcome (a failed child fails the step); without, returns at once.
   */
  callFlow(request: CallFlowRequest): Promise<CallFlowOutcome>;
  /** Read-only access to the event log (counts by type and name over a time range). */
  eventLog: EventLogReader;
  /**
   * The credential the config's `credential` field names, decrypted for this step only. Fails the step
   * (fatal) when the field is empty, the credential is gone, or its type is not one the node accepts. Its
   * secrets are redacted from the step's output, error and log lines.
   */
  credential<D = Record<string, unknown>>(): Promise<NodeCredential<D>>;
  /** Marks a value the node came by at run time (a fetched token) as secret: redacted like a credential's. */
  redact(secret: string): void;
  /**
   * For protocols other than HTTP (SMTP): resolves the host and checks every address under the outbound
   * address policy, as ctx.http does; returns the address to dial. Fails with `ssrf_blocked` when refused.
   */
  resolveAddress(host: string): Promise<string>;
  /**
   * Keeps what the node's user code printed (the code node's console) on this attempt of the step, shown in
   * run history with the attempt. The last call of an attempt wins; secrets are redacted like the output's.
   */
  attachLogs(logs: StepLogs): void;
  /**
   * Keeps the HTTP request this attempt sends on the attempt, shown in run history ("the request it sent").
   * Give it before sending, so a request that fails is shown too; secrets are redacted like the output's.
   */
  attachRequest(request: SentRequest): void;
  /**
   * Answers the HTTP request that started the run (a webhook trigger in respondNode mode). The answer is kept
   * with the step when it completes; the first step of a run to complete with one is the answer the caller
   * gets, and later ones record that it was already sent. Only nodes with the `respondsToWebhook` trait may
   * call it.
   */
  respondToWebhook(response: WebhookResponse): void;
}

/** An answer to the webhook request that started a run. */
export interface WebhookResponse {
  status: number;
  /** Lower-case names. */
  headers: Record<string, string>;
  /** The body's text ('' for none). */
  body: string;
}

/** An outbound HTTP request as the attempt sent it (headers and body as given to the client). */
export interface SentRequest {
  method: string;
  url: string;
  headers: Record<string, string>;
  /** The body as text, cut at a limit (`truncated`); absent for a request without one. */
  body?: string;
  bodyBytes: number;
  truncated?: boolean;
}

/** One line the node's user code printed. */
export interface LogLine {
  level: 'debug' | 'info' | 'log' | 'warn' | 'error';
  text: string;
}

/** What the node's user code printed during one attempt, capped by the node. */
export interface StepLogs {
  lines: LogLine[];
  /** Lines printed past the cap and not kept (0 when nothing was left out). */
  dropped: number;
}

/** A question about the event log. */
export interface EventLogQuery {
  since: Date;
  until: Date;
  /** Only these message types (track, identify, webhook, …). */
  types?: readonly string[] | undefined;
  /** Only these event names. */
  names?: readonly string[] | undefined;
}

/** Counts over the event log. */
export interface EventLogSummary {
  total: number;
  users: number;
  byType: Record<string, number>;
  byName: Record<string, number>;
}

/** What nodes may ask of the event log. */
export interface EventLogReader {
  summarize(query: EventLogQuery): Promise<EventLogSummary>;
}

/** What wait-for-event waits for. */
export interface WaitForEventRequest {
  /** Event names (a track call's `event`) that end the wait. */
  events: readonly string[];
  /** The correlation value this run waits on (e.g. its userId), already resolved. */
  key: string;
  /** How long to wait. */
  timeoutMs: number;
  /** How far back in the event log a matching event still counts (it may have arrived just before). */
  lookbackMs: number;
}

/** How a wait ended. */
export type WaitOutcome =
  | { port: 'received'; event: { id: string; name: string | null; payload: unknown; receivedAt: string } }
  | { port: 'timeout' };

/** What ctx.callFlow() asks for. */
export interface CallFlowRequest {
  /** The slug of the flow to call. */
  flow: string;
  /** The child run's trigger item. */
  input: unknown;
  /** Park until the child run ends. */
  wait: boolean;
  /** With `wait`: how long the child may take, counted from its start. */
  timeoutMs: number;
}

/** How a call went: the child run, and with `wait` its last step's items. */
export interface CallFlowOutcome {
  runId: string;
  flowId: string;
  status: 'running' | 'succeeded';
  /** With `wait`: the items of the child's last step (the trigger's item when it has no other step). */
  items: unknown[];
}

/** Every kind of trigger, named by how its events arrive. */
export const TRIGGER_KINDS = ['webhook', 'tracking', 'schedule', 'manual', 'broker', 'sub-flow'] as const;
/** How a trigger's events arrive; the engine routes each kind its own way. */
export type TriggerKind = (typeof TRIGGER_KINDS)[number];

/**
 * What the engine, the API and the editor must know of a node's behaviour, declared on its definition: a node
 * with a new behaviour needs no change outside this package, and no code elsewhere compares type strings.
 */
export interface NodeTraitsInput<C> {
  /** Pure and in-memory (no I/O, no waits, no side effects): the engine may run it inline (step fusion). */
  pure?: boolean;
  /**
   * A join: the step runs once every incoming branch has delivered or been skipped (after a split, once per
   * item of every branch), with `{ branches: [{ node, item }] }` as its input.
   */
  join?: boolean;
  /**
   * A for-each: every item it emits runs the following nodes in a scope of its own, until a join closes it;
   * `limit` says how many of them may run at once (undefined: all).
   */
  split?: { limit(config: C): number | undefined };
  /**
   * Parks until a correlated event arrives (ctx.waitForEvent): `correlation` gives the expression incoming
   * events are matched with, read from the node's own unresolved config (its default included).
   */
  waitsForEvent?: { correlation(config: Readonly<Record<string, unknown>>): string };
  /**
   * Calls another flow (ctx.callFlow): `target` reads the slug it calls from the node's unresolved config, so
   * publish can refuse a missing or uncallable flow and a cycle of calls.
   */
  callsFlow?: { target(config: Readonly<Record<string, unknown>>): unknown };
  /** A trigger: how its events arrive. */
  trigger?: TriggerKind;
  /** A broker trigger (`trigger: 'broker'`): how its consumer connects and consumes (brokers/consumer.ts). */
  consumer?: ConsumerDefinition<C>;
  /**
   * Answers the webhook request that started the run (ctx.respondToWebhook): publish refuses it in a flow
   * whose trigger does not wait for such an answer, and a trigger that waits for one in a flow without it.
   */
  respondsToWebhook?: boolean;
}

/** A node type's traits, with the defaults filled in. */
export interface NodeTraits<C = unknown> extends NodeTraitsInput<C> {
  pure: boolean;
  join: boolean;
  respondsToWebhook: boolean;
  /** The output ports depend on the config (`outputs` is a function of it, as on the switch). */
  dynamicOutputs: boolean;
}

export interface NodeDefinition<S extends z.ZodType> {
  type: string;
  version: number;
  category: NodeCategory;
  title: string;
  description: string;
  /** An icon name from the editor's icon set. */
  icon: string;
  /** Input ports; triggers have none. Default `['main']` for logic and action nodes. */
  inputs?: readonly string[];
  /** Output ports, or a function of the config (switch). Default `['main']`. */
  outputs?: readonly string[] | ((config: z.infer<S>) => readonly string[]);
  config: S;
  /** Dotted paths inside the config that hold secrets: masked in API answers and logs. */
  secretFields?: readonly string[];
  /**
   * The credential types the node's `credential` config fields accept (a credential id); publish refuses a
   * missing credential or one of another type. `typesFor` narrows them by the config, from the node's raw
   * config as written (possibly invalid, so it reads fields defensively): the webhook trigger's header
   * auth takes only a `webhook.header` credential.
   */
  credential?: {
    types: readonly string[];
    typesFor?: (config: Readonly<Record<string, unknown>>) => readonly string[];
  };
  /**
   * Recognises a config shape of an earlier release that held a secret inline (the webhook trigger's old
   * `auth`): saving one is refused, and the start-up migration moves its secret into a credential.
   */
  inlineSecret?: (config: Readonly<Record<string, unknown>>) => InlineSecret | undefined;
  /** Whether the node can fail at run time (and so has an `error` port). Default: true unless a trigger. */
  canFail?: boolean;
  /** Behaviour the engine, API and editor must know of (join, split, waits, pure, trigger kind). */
  traits?: NodeTraitsInput<z.infer<S>>;
  /** Retry defaults for this node type. */
  retry?: Partial<RetryPolicy>;
  /** Describes the items the node emits, for the editor and docs. */
  outputDescription?: string;
  /**
   * An example of the item the node emits (a trigger's default test input), built from its raw config as the
   * editor holds it: possibly partial or invalid, so it reads fields defensively and never throws.
   */
  sample?: (config: Readonly<Record<string, unknown>>) => Item;
  run?: (ctx: NodeContext<z.infer<S>>, input: Item) => Promise<NodeOutput> | NodeOutput;
}

/** A secret an old config shape holds inline, and how the config reads once the secret is in a credential. */
export interface InlineSecret {
  /** The config field holding it, e.g. `auth`; its `credential` field names the credential afterwards. */
  field: string;
  /** The credential type it belongs in, e.g. `webhook.header`. */
  credentialType: string;
  /** That credential's data, taken from the config (secrets hold the mask when it came from an export). */
  data: Record<string, unknown>;
  /** The config with the secret replaced by a reference to credential `id`, everything else kept. */
  withCredential(id: string): Record<string, unknown>;
}

/** A node type as the engine and API use it. */
export interface NodeType<S extends z.ZodType = z.ZodType> extends NodeTypeContract {
  version: number;
  title: string;
  description: string;
  icon: string;
  secretFields: readonly string[];
  /** Credential types its `credential` config fields accept; empty when it takes no credential. */
  credentialTypes: readonly string[];
  /** The credential types a config of this node accepts (narrower than `credentialTypes` for some). */
  credentialTypesFor(config: Readonly<Record<string, unknown>>): readonly string[];
  /** Finds the secret an old config shape holds inline; undefined for nodes that never had one. */
  inlineSecret: ((config: Readonly<Record<string, unknown>>) => InlineSecret | undefined) | undefined;
  traits: NodeTraits;
  retry: RetryPolicy;
  outputDescription: string | undefined;
  /** An example of the item the node emits, from its raw config (see NodeDefinition.sample). */
  sample: ((config: Readonly<Record<string, unknown>>) => Item) | undefined;
  config: S;
  run: ((ctx: NodeContext<z.infer<S>>, input: Item) => Promise<NodeOutput> | NodeOutput) | undefined;
}

/** The retry policy used where neither the node type nor the flow node says otherwise. */
export const DEFAULT_RETRY: RetryPolicy = {
  attempts: 3,
  backoff: 'exponential',
  delayMs: 1000,
  maxDelayMs: 60_000,
  jitter: true,
};

/** Declares a node type. */
export function defineNode<S extends z.ZodType>(def: NodeDefinition<S>): NodeType<S> {
  const isTrigger = def.category === 'trigger';
  const outputs = def.outputs ?? [DEFAULT_PORT];
  const credentialTypes = def.credential?.types ?? [];
  return {
    type: def.type,
    version: def.version,
    category: def.category,
    title: def.title,
    description: def.description,
    icon: def.icon,
    inputs: def.inputs ?? (isTrigger ? [] : [DEFAULT_PORT]),
    // the contract takes unknown config; callers pass configs that passed this node's schema
    outputs: typeof outputs === 'function' ? (config) => outputs(config as z.infer<S>) : () => outputs,
    canFail: def.canFail ?? !isTrigger,
    config: def.config,
    secretFields: def.secretFields ?? [],
    credentialTypes,
    credentialTypesFor: (config) => def.credential?.typesFor?.(config) ?? credentialTypes,
    inlineSecret: def.inlineSecret,
    traits: traitsOf(def),
    retry: { ...DEFAULT_RETRY, ...def.retry },
    outputDescription: def.outputDescription,
    sample: def.sample,
    run: def.run,
  };
}

function traitsOf<S extends z.ZodType>(def: NodeDefinition<S>): NodeTraits {
  const { split, consumer, ...rest } = def.traits ?? {};
  return {
    ...rest,
    pure: rest.pure ?? false,
    join: rest.join ?? false,
    respondsToWebhook: rest.respondsToWebhook ?? false,
    dynamicOutputs: typeof def.outputs === 'function',
    // the engine passes configs that passed this node's schema
    ...(split ? { split: { limit: (config: unknown) => split.limit(config as z.infer<S>) } } : {}),
    ...(consumer
      ? {
          consumer: {
            credentialType: consumer.credentialType,
            ...(consumer.exclusive ? { exclusive: true } : {}),
            // the engine passes configs that passed this node's schema
            open: (config: unknown, ...rest) => consumer.open(config as z.infer<S>, ...rest),
          },
        }
      : {}),
  };
}
