// The wait-until node: parks the step until a time of day in a time zone (the person's, say — 09:00 on the
// next weekday in Europe/Berlin) or until a date taken from the data (a trial's end), then passes the item on.
import { FatalError } from '@tributary/flow';
import { CronExpressionParser } from 'cron-parser';
import { z } from 'zod';
import { defineNode, type NodeLogger } from '../define-node.js';
import { validZone } from '../time-zones.js';
import { dateIn } from './dates.js';

const YEAR_MS = 366 * 24 * 60 * 60 * 1000;
const DAYS = ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'] as const;

const waitUntilConfig = z.discriminatedUnion('mode', [
  z
    .strictObject({
      mode: z.literal('time'),
      time: z
        .string()
        .regex(/^([01]\d|2[0-3]):[0-5]\d$/, 'use HH:MM on a 24-hour clock, e.g. 09:30')
        .describe('The time of day to go on at, e.g. "09:00"'),
      days: z
        .array(z.enum(DAYS))
        .min(1)
        .max(7)
        .optional()
        .describe('Only on these days of the week (mon … sun); every day when left out'),
      timezone: z
        .string()
        .max(100)
        .default('UTC')
        .describe(
          'Whose clock: an IANA time zone such as "Europe/Berlin", or the person\'s, e.g. ' +
            '{{ $profile.traits.timezone }}; a value that is not a time zone falls back to `fallbackTimezone`',
        ),
      fallbackTimezone: z
        .string()
        .max(100)
        .default('UTC')
        .refine(validZone, 'use an IANA time zone such as "Europe/Berlin" or "UTC"')
        .describe('The time zone used when `timezone` gives none or an unknown one'),
    })
    .describe('A time of day (the next one to come), optionally on some weekdays only'),
  z
    .strictObject({
      mode: z.literal('date'),
      until: z
        .string()
        .max(100)
        .describe(
          'The moment to go on at (ISO 8601), e.g. {{ $json.properties.trialEndsAt }}; a past one goes on at once',
        ),
    })
    .describe('A date and time from the data'),
]);

type WaitUntilConfig = z.infer<typeof waitUntilConfig>;

/** The next `time` on one of `days` in `zone`, after `now` (DST-correct: cron-parser works in the zone). */
function nextTimeOfDay(config: Extract<WaitUntilConfig, { mode: 'time' }>, now: Date, logger: NodeLogger) {
  let zone = config.timezone;
  if (!validZone(zone)) {
    logger.warn({ timezone: zone }, `not a time zone; waiting by ${config.fallbackTimezone} instead`);
    zone = config.fallbackTimezone;
  }
  const [hour, minute] = config.time.split(':').map(Number);
  // cron numbers the days from Sunday (0); ours start on Monday
  const days = config.days ? config.days.map((d) => (DAYS.indexOf(d) + 1) % 7).join(',') : '*';
  return CronExpressionParser.parse(`${minute} ${hour} * * ${days}`, { tz: zone, currentDate: now })
    .next()
    .toDate();
}

function targetOf(config: WaitUntilConfig, now: Date, logger: NodeLogger): Date {
  if (config.mode === 'time') return nextTimeOfDay(config, now, logger);
  return dateIn(config.until, 'until');
}

/** Waits durably until a time of day or a date, then passes the item on unchanged. */
export const waitUntil = defineNode({
  type: 'logic.wait-until',
  version: 1,
  category: 'logic',
  title: 'Wait until',
  description:
    'Waits until a time of day in a time zone (the person’s, for example) or a date from the data, surviving restarts.',
  icon: 'alarm-clock',
  config: waitUntilConfig,
  traits: { pure: false },
  canFail: true,
  retry: { attempts: 1 },
  outputDescription: 'The input item, unchanged, on `main` once the time has come.',
  run: (ctx, input) => {
    const now = new Date();
    const target = targetOf(ctx.config, now, ctx.logger);
    const wait = target.getTime() - now.getTime();
    if (wait > YEAR_MS) {
      throw new FatalError(
        `${target.toISOString()} is more than a year away; wait-until waits at most a year`,
        {
          code: 'too_far',
        },
      );
    }
    // the first call parks the step until the target (kept by the engine); once woken it returns
    if (wait > 0) ctx.sleep(wait);
    return { main: [input] };
  },
});
