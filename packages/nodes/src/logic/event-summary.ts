// The event summary node: counts events in the log over a time range (e.g. yesterday's, for a daily digest).
import { FatalError } from '@tributary/flow';
import { z } from 'zod';
import { defineNode } from '../define-node.js';
import { dateIn } from './dates.js';

const DAY = 86_400_000;

const summaryConfig = z.strictObject({
  since: z
    .unknown()
    .optional()
    .describe('Start of the range (ISO date-time), e.g. {{ $now() }}; default: 24 hours before `until`'),
  until: z.unknown().optional().describe('End of the range (ISO date-time); default: now'),
  types: z
    .array(z.string().min(1).max(50))
    .max(20)
    .optional()
    .describe('Only these types (track, identify, webhook, …)'),
  names: z.array(z.string().min(1).max(200)).max(100).optional().describe('Only these event names'),
});

function toDate(value: unknown, field: string, fallback: Date): Date {
  if (value === undefined || value === null || value === '') return fallback;
  return dateIn(value, field);
}

/** Summarises the event log over a time range. */
export const eventSummary = defineNode({
  type: 'logic.event-summary',
  version: 1,
  category: 'logic',
  title: 'Event summary',
  description:
    'Counts the events received in a time range, by type and by name, and how many users sent them.',
  icon: 'chart-column',
  config: summaryConfig,
  outputDescription:
    'One item on `main`: `{ since, until, total, users, byType: {type: n}, byName: {name: n} }`.',
  run: async (ctx) => {
    const until = toDate(ctx.config.until, 'until', new Date());
    const since = toDate(ctx.config.since, 'since', new Date(until.getTime() - DAY));
    if (since > until) throw new FatalError('"since" is after "until"', { code: 'invalid_range' });
    const summary = await ctx.eventLog.summarize({
      since,
      until,
      types: ctx.config.types,
      names: ctx.config.names,
    });
    return { main: [{ since: since.toISOString(), until: until.toISOString(), ...summary }] };
  },
});
