// The wait-for-event node: waits durably until a matching event arrives (received) or time runs out (timeout).
import { FatalError, PERSON_CORRELATION } from '@tributary/flow';
import { z } from 'zod';
import { defineNode } from '../define-node.js';

const HOUR = 3_600_000;

const waitConfig = z.strictObject({
  event: z
    .union([z.string().min(1).max(200), z.array(z.string().min(1).max(200)).min(1).max(50)])
    .describe('The event name to wait for, or a list of names (any of them ends the wait)'),
  correlation: z
    .unknown()
    .default(PERSON_CORRELATION)
    .describe(
      'Whose event counts: evaluated for this run and for each incoming event; they match when equal. ' +
        'Default: the person of the event that started the run (its userId, else its anonymousId), also ' +
        'under the other ids their profile links.',
    ),
  withoutCorrelation: z
    .enum(['timeout', 'fail'])
    .default('timeout')
    .describe(
      'When this run has no correlation value (an event with no userId or anonymousId, a webhook): go ' +
        'down `timeout` at once (default), or fail the step',
    ),
  timeoutMs: z
    .number()
    .int()
    .min(1)
    .max(90 * 24 * HOUR)
    .default(HOUR)
    .describe('How long to wait before taking the timeout branch (ms)'),
  lookbackMs: z
    .number()
    .int()
    .min(0)
    .max(24 * HOUR)
    .default(60_000)
    .describe('An event that arrived up to this long before the wait began still counts (ms)'),
});

/** Waits for an event correlated with this run. */
export const waitForEvent = defineNode({
  type: 'logic.wait-for-event',
  version: 1,
  category: 'logic',
  title: 'Wait for event',
  description:
    'Waits until a matching event arrives (received) or the time runs out (timeout). Survives restarts.',
  icon: 'hourglass',
  outputs: ['received', 'timeout'],
  config: waitConfig,
  canFail: true,
  retry: { attempts: 3 },
  traits: {
    // incoming events are matched with the node's own expression, evaluated per event
    waitsForEvent: {
      correlation: (config) =>
        typeof config.correlation === 'string' ? config.correlation : PERSON_CORRELATION,
    },
  },
  outputDescription:
    'On `received`: the input item with `event` set to the matching event `{id, name, payload, receivedAt}`. On `timeout`: the input item (at once when the run has no correlation value and `withoutCorrelation` is `timeout`).',
  run: async (ctx, input) => {
    const events = Array.isArray(ctx.config.event) ? ctx.config.event : [ctx.config.event];
    const key = ctx.config.correlation;
    if (key === null || key === undefined || key === '' || typeof key === 'object') {
      if (ctx.config.withoutCorrelation === 'timeout') return { received: [], timeout: [input] };
      throw new FatalError(
        'the correlation value is empty for this run (e.g. the event had no userId or anonymousId)',
        { code: 'no_correlation' },
      );
    }
    const outcome = await ctx.waitForEvent({
      events,
      key: String(key),
      timeoutMs: ctx.config.timeoutMs,
      lookbackMs: ctx.config.lookbackMs,
    });
    if (outcome.port === 'received') {
      const base =
        typeof input === 'object' && input !== null && !Array.isArray(input) ? input : { value: input };
      return { received: [{ ...base, event: outcome.event }], timeout: [] };
    }
    return { received: [], timeout: [input] };
  },
});
