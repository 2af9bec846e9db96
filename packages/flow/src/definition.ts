// The flow definition document: the JSON a flow version is, shaped like React Flow's graph.
import { z } from 'zod';
import { isTimeZone } from './zoned-dates.js';

/** The port an edge uses when it names none. */
export const DEFAULT_PORT = 'main';
/** The output port a node's failure follows when it is connected. */
export const ERROR_PORT = 'error';
/** The output port a sending step takes instead of sending when its person is at a frequency cap (onCap "port"). */
export const CAPPED_PORT = 'capped';

/** What a channel tag may be: lower-case letters, digits, "_" and "-", at most 32. */
export const CHANNEL_PATTERN = /^[a-z0-9][a-z0-9_-]{0,31}$/;
/** The channel pattern in words, for problems. */
export const CHANNEL_HINT = 'use at most 32 lower-case letters, digits, "_" and "-", e.g. email';

/** A channel tag of a sending node (email, sms, push, slack, …): what frequency caps and quiet hours act on. */
export const channelSchema = z.string().regex(CHANNEL_PATTERN, CHANNEL_HINT);

/** A time of day on a 24-hour clock, HH:MM. */
export const timeOfDaySchema = z
  .string()
  .regex(/^([01]\d|2[0-3]):[0-5]\d$/, 'use HH:MM on a 24-hour clock, e.g. 21:00');

const identifier = z
  .string()
  .min(1)
  .max(100)
  .regex(/^[A-Za-z0-9_-]+$/, 'use letters, digits, "_" and "-" only');

/** Retry policy of a node: how many attempts and how long to wait between them. */
export const retryPolicySchema = z
  .object({
    attempts: z.number().int().min(1).max(50),
    backoff: z.enum(['exponential', 'fixed']),
    delayMs: z.number().int().min(0).max(86_400_000),
    maxDelayMs: z.number().int().min(0).max(86_400_000),
    jitter: z
      .boolean()
      .describe('Equal jitter: wait a random time between half and all of the computed delay'),
  })
  .partial()
  .strict();
export type RetryPolicyInput = z.infer<typeof retryPolicySchema>;

export const flowNodeSchema = z
  .object({
    id: identifier,
    type: z.string().min(1).max(100),
    typeVersion: z.number().int().min(1).optional(),
    name: z.string().min(1).max(100),
    config: z.record(z.string(), z.unknown()).default({}),
    retry: retryPolicySchema.optional(),
    timeoutMs: z.number().int().min(1).max(3_600_000).optional(),
    disabled: z.boolean().optional(),
    /** Channel tag of a sending (action) node: frequency caps count its sends, quiet hours delay them. */
    channel: channelSchema.optional(),
    /** With `channel`: at a frequency cap, take the `capped` port without sending ("port", the default) or wait. */
    onCap: z.enum(['port', 'wait']).optional(),
    position: z.object({ x: z.number(), y: z.number() }).default({ x: 0, y: 0 }),
    notes: z.string().max(10_000).optional(),
  })
  .strict();
export type FlowNode = z.infer<typeof flowNodeSchema>;

export const flowEdgeSchema = z
  .object({
    id: identifier,
    source: identifier,
    sourceHandle: z.string().min(1).max(100).nullish(),
    target: identifier,
    targetHandle: z.string().min(1).max(100).nullish(),
  })
  .strict();
export type FlowEdge = z.infer<typeof flowEdgeSchema>;

/** settings.throttle: at most `limit` run starts per `periodMs` (per key when `key` is set); the rest start later. */
export const throttleSchema = z
  .object({
    limit: z.number().int().min(1).max(100_000),
    periodMs: z.number().int().min(1).max(86_400_000),
    /** An expression; runs with the same value share one budget of starts. */
    key: z.string().min(1).max(1000).optional(),
  })
  .strict();

/** settings.debounce: a run starts `windowMs` after its event, unless a later event of its key came meanwhile. */
export const debounceSchema = z
  .object({
    windowMs: z.number().int().min(1).max(86_400_000),
    /** An expression; only the latest event of each key within the window starts a run. */
    key: z.string().min(1).max(1000),
  })
  .strict();

/**
 * settings.reentry: how often one person (a tracking event's userId, else its anonymousId) may enter the flow —
 * `always` (every matching event starts a run), `once` (ever), `one-at-a-time` (not while a run of theirs is
 * in progress), or at most once per `minIntervalMs`. An event refused entry is recorded on the event.
 */
export const reentrySchema = z.union(
  [
    z.enum(['always', 'once', 'one-at-a-time']),
    z
      .object({
        minIntervalMs: z
          .number({ error: 'give the minimum time between two entries in milliseconds, a whole number' })
          .int('give the minimum time between two entries in whole milliseconds')
          .min(1, 'the minimum time between two entries must be at least 1 ms')
          .max(315_360_000_000, 'the minimum time between two entries can be at most 10 years'),
      })
      .strict(),
  ],
  {
    error:
      'use "always", "once", "one-at-a-time" or { "minIntervalMs": the least time between two entries of one ' +
      'person, in whole milliseconds }',
  },
);
export type ReentryRule = z.infer<typeof reentrySchema>;

/**
 * settings.quietHours: steps with a channel tag that would run between `start` and `end` (the person's time of
 * day) wait until `end`. The person's zone is their profile's `timezoneTrait` trait, else settings.timezone,
 * else UTC. A `start` later than `end` spans midnight.
 */
export const quietHoursSchema = z
  .object({
    start: timeOfDaySchema,
    end: timeOfDaySchema,
    /** The profile trait holding the person's IANA time zone. */
    timezoneTrait: z
      .string()
      .min(1)
      .max(100)
      .regex(/^[A-Za-z0-9_.-]+$/, 'a trait name: letters, digits, "_", "-" and "."')
      .default('timezone'),
  })
  .strict()
  .refine((q) => q.start !== q.end, { message: 'start and end must differ', path: ['end'] });
export type QuietHours = z.infer<typeof quietHoursSchema>;

export const flowSettingsSchema = z
  .object({
    concurrency: z.number().int().min(1).max(10_000).optional(),
    partitionKey: z.string().max(1000).optional(),
    throttle: throttleSchema.optional(),
    debounce: debounceSchema.optional(),
    errorFlow: z.string().max(200).optional(),
    /** The flow's time zone: its schedule trigger's when that sets none, and `$now()`/`$fromMillis()`. */
    timezone: z.string().max(100).refine(isTimeZone, 'an IANA time zone such as Europe/Berlin').optional(),
    /** Days this flow's finished runs are kept (overrides TRIBUTARY_RETENTION_DAYS; runs with pending dead letters stay). */
    retentionDays: z.number().int().min(1).max(3650).optional(),
    /** Re-entry per person (tracking-triggered flows); absent is "always". */
    reentry: reentrySchema.optional(),
    /** Hours in the person's time zone when steps with a channel tag do not send but wait (see quietHoursSchema). */
    quietHours: quietHoursSchema.optional(),
    /**
     * Exit goal: when an event named `event` arrives whose correlation value equals a run's, that run (if it
     * is still waiting or delayed) ends as canceled — e.g. a welcome series stops once the user activates.
     */
    exitOn: z
      .object({
        event: z.union([z.string().min(1).max(200), z.array(z.string().min(1).max(200)).min(1).max(50)]),
        correlation: z.string().min(1).max(1000).default('{{ $event.payload.userId }}'),
      })
      .strict()
      .optional(),
  })
  .strict();
export type FlowSettings = z.infer<typeof flowSettingsSchema>;

export const slugSchema = z
  .string()
  .min(1)
  .max(100)
  .regex(/^[a-z0-9]+(?:-[a-z0-9]+)*$/, 'use lower-case letters, digits and single dashes');

export const flowDefinitionSchema = z
  .object({
    name: z.string().min(1).max(200),
    slug: slugSchema,
    description: z.string().max(10_000).default(''),
    nodes: z.array(flowNodeSchema).max(500),
    edges: z.array(flowEdgeSchema).max(2000).default([]),
    settings: flowSettingsSchema.default({}),
  })
  .strict();
/** A flow definition as stored: defaults filled in. */
export type FlowDefinition = z.infer<typeof flowDefinitionSchema>;
/** A flow definition as written by people: optional fields may be left out. */
export type FlowDefinitionInput = z.input<typeof flowDefinitionSchema>;

/** The source port of an edge, `main` when it names none. */
export function sourcePort(edge: FlowEdge): string {
  return edge.sourceHandle ?? DEFAULT_PORT;
}

/** The target port of an edge, `main` when it names none. */
export function targetPort(edge: FlowEdge): string {
  return edge.targetHandle ?? DEFAULT_PORT;
}
