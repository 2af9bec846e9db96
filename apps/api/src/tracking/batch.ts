// A /v1/batch body: the envelope is checked as a whole, each message on its own (good ones go on, bad ones are reported).
import type { TrackingMessage } from '@tributary/engine';
import type { Problem } from '@tributary/flow';
import { z } from 'zod';
import { TRACKING_LIMITS } from './limits.js';
import { parseIsoTimestamp } from './timestamps.js';
import { describeProblems, validateMessage } from './validate-message.js';

/** A message of the batch that was not accepted, by its position. */
export interface RejectedMessage {
  index: number;
  messageId?: string;
  code: string;
  error: string;
}

/** The batch's valid messages and its rejected ones, or why the whole batch is refused. */
export type ValidatedBatch =
  | {
      ok: true;
      messages: TrackingMessage[];
      /** Each valid message's index in the batch. */
      positions: number[];
      rejected: RejectedMessage[];
    }
  | { ok: false; problems: Problem[] };

const { batchMessages, messageBytes } = TRACKING_LIMITS;

const object = z.record(z.string(), z.unknown(), { error: 'must be a JSON object' });

const envelope = z.looseObject({
  batch: z
    .array(z.unknown(), { error: 'must be an array of messages' })
    .min(1, 'must hold at least one message')
    .max(batchMessages, `must hold at most ${batchMessages} messages`),
  sentAt: z
    .string({ error: 'must be an ISO-8601 date string' })
    .refine((text) => parseIsoTimestamp(text) !== undefined, 'is not a valid ISO-8601 date')
    .nullish(),
  context: object.nullish(),
  integrations: object.nullish(),
});

function messageIdOf(raw: unknown): string | undefined {
  if (typeof raw !== 'object' || raw === null || !('messageId' in raw)) return undefined;
  return typeof raw.messageId === 'string' ? raw.messageId : undefined;
}

function byteLength(value: unknown): number {
  return Buffer.byteLength(JSON.stringify(value) ?? '', 'utf8');
}

/**
 * Checks a batch body. The batch-level `sentAt`, `context` and `integrations` apply to every message (a
 * message's own context keys win). A message over 32 KB or failing validation is rejected alone.
 */
export function validateBatch(body: Record<string, unknown>, receivedAt: Date): ValidatedBatch {
  const parsed = envelope.safeParse(body);
  if (!parsed.success) {
    return {
      ok: false,
      problems: parsed.error.issues.map((issue) => ({
        path: issue.path.map(String).join('.'),
        message: issue.message,
        code: issue.path[0] === 'sentAt' ? 'invalid_timestamp' : 'invalid_batch',
      })),
    };
  }
  const { batch, sentAt, context, integrations } = parsed.data;
  const defaults = {
    sentAt: sentAt ?? undefined,
    context: context ?? undefined,
    integrations: integrations ?? undefined,
  };
  const messages: TrackingMessage[] = [];
  const positions: number[] = [];
  const rejected: RejectedMessage[] = [];
  batch.forEach((raw, index) => {
    const size = byteLength(raw);
    if (size > messageBytes) {
      const messageId = messageIdOf(raw);
      rejected.push({
        index,
        ...(messageId ? { messageId } : {}),
        code: 'message_too_large',
        error: `the message is ${size} bytes; at most ${messageBytes} (32 KB) are accepted`,
      });
      return;
    }
    const checked = validateMessage(raw, { receivedAt, defaults });
    if (checked.ok) {
      messages.push(checked.message);
      positions.push(index);
      return;
    }
    rejected.push({
      index,
      ...(checked.messageId ? { messageId: checked.messageId } : {}),
      code: checked.problems[0]?.code ?? 'invalid_message',
      error: describeProblems(checked.problems),
    });
  });
  return { ok: true, messages, positions, rejected };
}
