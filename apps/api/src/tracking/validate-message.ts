// Validates one Segment message with zod and turns it into the TrackingMessage the engine ingests (pure).
import { isoString, newId } from '@tributary/db';
import type { TrackingMessage } from '@tributary/engine';
import type { Problem } from '@tributary/flow';
import { defineField } from '@tributary/flow';
import { z } from 'zod';
import { TRACKING_LIMITS } from './limits.js';
import { correctedTimestamp, parseIsoTimestamp } from './timestamps.js';

/** The Segment call types. */
export const TRACKING_TYPES = ['track', 'identify', 'page', 'screen', 'group', 'alias'] as const;
/** One of the Segment call types. */
export type TrackingType = (typeof TRACKING_TYPES)[number];

/** What a batch gives every one of its messages (Segment merges batch-level context and integrations in). */
export interface MessageDefaults {
  sentAt?: string | undefined;
  context?: Record<string, unknown> | undefined;
  integrations?: Record<string, unknown> | undefined;
}

/** A message accepted for ingest, or why not (each problem has a stable `code`). */
export type ValidatedMessage =
  | { ok: true; message: TrackingMessage }
  | { ok: false; messageId?: string | undefined; problems: Problem[] };

const { idLength, nameLength } = TRACKING_LIMITS;

/** An id: a non-empty string, or an integer (turned into a string, as Segment's libraries do). */
function id(required = false) {
  return z.union(
    [
      z.string().min(1, 'must not be empty').max(idLength, `must be at most ${idLength} characters`),
      z.number().int().transform(String),
    ],
    { error: (issue) => (required && issue.input === undefined ? 'is required' : 'must be a string') },
  );
}

/**
 * A JSON object, taken as it is: z.record would check each key and value (always a string key and any value,
 * from JSON) and build a copy — ~1 µs a message against ~0.25 (measured), several of them per call.
 */
const object = z.custom<Record<string, unknown>>(isPlainObject, { error: 'must be a JSON object' });

const timestamp = z.string({ error: 'must be an ISO-8601 date string' }).transform((text, ctx) => {
  const parsed = parseIsoTimestamp(text);
  if (parsed) return parsed;
  ctx.addIssue({ code: 'custom', message: `"${text.slice(0, 40)}" is not a valid ISO-8601 date` });
  return z.NEVER;
});

const common = {
  messageId: z
    .string({ error: 'must be a string' })
    .min(1, 'must not be empty')
    .max(idLength, `must be at most ${idLength} characters`)
    .nullish(),
  userId: id().nullish(),
  anonymousId: id().nullish(),
  context: object.nullish(),
  integrations: object.nullish(),
  timestamp: timestamp.nullish(),
  originalTimestamp: timestamp.nullish(),
  sentAt: timestamp.nullish(),
  receivedAt: timestamp.nullish(),
};

const eventName = z
  .string({ error: 'must be a non-empty string' })
  .max(nameLength, `must be at most ${nameLength} characters`)
  .refine((name) => name.trim().length > 0, 'must be a non-empty string');

const pageName = z
  .string({ error: 'must be a string' })
  .max(nameLength, `must be at most ${nameLength} characters`)
  .nullish();

const SCHEMAS = {
  track: z.looseObject({
    ...common,
    type: z.literal('track'),
    event: eventName,
    properties: object.nullish(),
  }),
  identify: z.looseObject({ ...common, type: z.literal('identify'), traits: object.nullish() }),
  page: z.looseObject({ ...common, type: z.literal('page'), name: pageName, properties: object.nullish() }),
  screen: z.looseObject({
    ...common,
    type: z.literal('screen'),
    name: pageName,
    properties: object.nullish(),
  }),
  group: z.looseObject({ ...common, type: z.literal('group'), groupId: id(true), traits: object.nullish() }),
  alias: z.looseObject({ ...common, type: z.literal('alias'), previousId: id(true), userId: id(true) }),
};

const TIMESTAMP_FIELDS = new Set(['timestamp', 'originalTimestamp', 'sentAt', 'receivedAt']);

function fieldPath(path: readonly PropertyKey[]): string {
  return path.map(String).join('.');
}

function problemsOf(error: z.ZodError): Problem[] {
  return error.issues.map((issue) => ({
    path: fieldPath(issue.path),
    message: issue.message,
    code: TIMESTAMP_FIELDS.has(String(issue.path[0])) ? 'invalid_timestamp' : 'invalid_field',
  }));
}

/** `problems` as one readable sentence. */
export function describeProblems(problems: readonly Problem[]): string {
  return problems.map((p) => (p.path ? `${p.path} ${p.message}` : p.message)).join('; ');
}

/** Whether a value names one of the Segment call types. */
export function isTrackingType(value: unknown): value is TrackingType {
  return TRACKING_TYPES.some((type) => type === value);
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function candidateMessageId(raw: Record<string, unknown>): string | undefined {
  const value = raw.messageId;
  return typeof value === 'string' && value.length > 0 && value.length <= idLength ? value : undefined;
}

function merged(
  base: Record<string, unknown> | undefined,
  own: Record<string, unknown> | null | undefined,
): Record<string, unknown> | undefined {
  if (!base) return own ?? undefined;
  return { ...base, ...own };
}

function timeProblems(corrected: Date, receivedAt: Date, field: string): Problem[] {
  const { futureToleranceMs, earliestTimestamp } = TRACKING_LIMITS;
  if (corrected.getTime() > receivedAt.getTime() + futureToleranceMs) {
    const minutes = Math.round((corrected.getTime() - receivedAt.getTime()) / 60_000);
    return [
      {
        path: field,
        code: 'timestamp_in_future',
        message: `is ${minutes} minutes in the future (after clock-skew correction); at most ${futureToleranceMs / 60_000} minutes are tolerated`,
      },
    ];
  }
  if (corrected.getTime() < earliestTimestamp.getTime()) {
    return [
      {
        path: field,
        code: 'timestamp_too_old',
        message: `is before ${earliestTimestamp.toISOString()} (after clock-skew correction)`,
      },
    ];
  }
  return [];
}

/**
 * A copy of the message as received, without `writeKey` (a credential: it is never stored), to which the
 * fields worked out here are added. Copied key by key rather than spread: V8 (Node 20) gives an object made
 * by spreading a map of its own, and every property added to it afterwards went through the runtime — about
 * 0.7 µs each, several per message (measured); `delete` would also turn the copy into a dictionary, which
 * JSON.stringify serialises on its slow path.
 */
function payloadOf(raw: Record<string, unknown>): Record<string, unknown> {
  const payload: Record<string, unknown> = {};
  for (const key in raw) {
    // a field named __proto__ stays an ordinary field (defineField)
    if (key !== 'writeKey' && Object.hasOwn(raw, key)) defineField(payload, key, raw[key]);
  }
  return payload;
}

/**
 * Checks one message of the given type (a single call's endpoint type; for a batch item, its own `type`),
 * corrects its timestamp and builds what the engine ingests. The payload is the message as received,
 * without `writeKey`, with ids as strings, the batch's context/integrations/sentAt merged in, a generated
 * `messageId` when it had none, `originalTimestamp` (the client's time), the corrected `timestamp` and the
 * server's `receivedAt`.
 */
export function validateMessage(
  raw: unknown,
  options: { type?: TrackingType | undefined; receivedAt: Date; defaults?: MessageDefaults | undefined },
): ValidatedMessage {
  if (!isPlainObject(raw)) {
    return { ok: false, problems: [{ path: '', code: 'invalid_message', message: 'must be a JSON object' }] };
  }
  const messageId = candidateMessageId(raw);
  const declared = raw.type;
  const kind = options.type ?? declared;
  if (!isTrackingType(kind)) {
    const message = `must be one of ${TRACKING_TYPES.join(', ')}`;
    return { ok: false, messageId, problems: [{ path: 'type', code: 'invalid_type', message }] };
  }
  if (declared !== undefined && declared !== kind) {
    const message = `is "${String(declared)}" but this endpoint takes "${kind}" calls`;
    return { ok: false, messageId, problems: [{ path: 'type', code: 'invalid_type', message }] };
  }
  const parsed = SCHEMAS[kind].safeParse({ ...raw, type: kind });
  if (!parsed.success) return { ok: false, messageId, problems: problemsOf(parsed.error) };
  const data = parsed.data;
  if (kind !== 'alias' && !data.userId && !data.anonymousId) {
    const message = 'a userId or an anonymousId is required';
    return { ok: false, messageId, problems: [{ path: 'userId', code: 'missing_id', message }] };
  }

  const defaults = options.defaults ?? {};
  const batchSentAt = defaults.sentAt === undefined ? undefined : parseIsoTimestamp(defaults.sentAt);
  const sentAt = data.sentAt ?? batchSentAt;
  const receivedAt = options.receivedAt;
  const corrected = correctedTimestamp(
    {
      timestamp: data.timestamp ?? undefined,
      originalTimestamp: data.originalTimestamp ?? undefined,
      sentAt,
    },
    receivedAt,
  );
  const timeField = data.originalTimestamp ? 'originalTimestamp' : 'timestamp';
  const outOfRange = timeProblems(corrected, receivedAt, timeField);
  if (outOfRange.length > 0) return { ok: false, messageId, problems: outOfRange };

  const finalId = data.messageId ?? newId();
  const payload = payloadOf(raw);
  payload.type = kind;
  payload.messageId = finalId;
  if (data.userId) payload.userId = data.userId;
  if (data.anonymousId) payload.anonymousId = data.anonymousId;
  if (data.type === 'alias') payload.previousId = data.previousId;
  if (data.type === 'group') payload.groupId = data.groupId;
  const context = merged(defaults.context, data.context);
  if (context) payload.context = context;
  const integrations = merged(defaults.integrations, data.integrations);
  if (integrations) payload.integrations = integrations;
  if (payload.originalTimestamp == null && raw.timestamp != null) payload.originalTimestamp = raw.timestamp;
  if (payload.sentAt == null && defaults.sentAt !== undefined) payload.sentAt = defaults.sentAt;
  const timestampText = isoString(corrected);
  const receivedAtText = isoString(receivedAt);
  payload.timestamp = timestampText;
  payload.receivedAt = receivedAtText;

  const message: TrackingMessage = {
    type: kind,
    messageId: finalId,
    userId: data.userId ?? null,
    anonymousId: data.anonymousId ?? null,
    timestamp: timestampText,
    receivedAt: receivedAtText,
    payload,
  };
  if (data.type === 'track') message.event = data.event;
  if ((data.type === 'page' || data.type === 'screen') && data.name) message.name = data.name;
  if (data.type === 'alias') message.previousId = data.previousId;
  // only identify traits describe the user; a group's traits describe the group
  if (data.type === 'identify' && data.traits) message.traits = data.traits;
  return { ok: true, message };
}
