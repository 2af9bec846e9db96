// The schedule trigger: starts a run on a cron schedule (BullMQ job schedulers underneath).
import { CronExpressionParser } from 'cron-parser';
import { z } from 'zod';
import { defineNode } from '../define-node.js';
import { validZone } from '../time-zones.js';

/**
 * cron-parser pads a pattern of fewer than five fields with defaults ("*" alone is every minute, "0 8 * *"
 * every minute of hour 0 on the 8th), so a truncated pattern would schedule silently; it must have five
 * fields, or six with seconds first, or be a macro such as @daily.
 */
function hasWholeFields(cron: string): boolean {
  const pattern = cron.trim();
  if (pattern.startsWith('@')) return true;
  const fields = pattern.split(/\s+/).length;
  return fields === 5 || fields === 6;
}

const scheduleConfig = z
  .strictObject({
    cron: z
      .string()
      .min(1)
      .max(200)
      .describe(
        'When to run, as a cron pattern (minute hour day-of-month month day-of-week), e.g. "0 8 * * *"',
      ),
    timezone: z
      .string()
      .min(1)
      .max(100)
      .default('UTC')
      .refine(validZone, 'an IANA time zone such as Europe/Berlin')
      .describe('IANA time zone the pattern is read in, e.g. Europe/Berlin'),
  })
  .superRefine((config, issues) => {
    if (!hasWholeFields(config.cron)) {
      issues.addIssue({
        code: 'custom',
        path: ['cron'],
        message:
          'not a valid cron pattern: it needs five fields (minute hour day-of-month month day-of-week)',
      });
      return;
    }
    try {
      // the same parser BullMQ's job schedulers use, so what passes here also schedules there
      CronExpressionParser.parse(config.cron, { tz: validZone(config.timezone) ? config.timezone : 'UTC' });
    } catch (err) {
      issues.addIssue({
        code: 'custom',
        path: ['cron'],
        message: `not a valid cron pattern: ${String(err instanceof Error ? err.message : err)}`,
      });
    }
  });

export type ScheduleTriggerConfig = z.infer<typeof scheduleConfig>;

/** Starts a run at each time the cron pattern names. */
export const scheduleTrigger = defineNode({
  type: 'trigger.schedule',
  version: 1,
  category: 'trigger',
  traits: { trigger: 'schedule' },
  title: 'Schedule',
  description: 'Starts the flow on a schedule (cron), in a time zone of your choice.',
  icon: 'calendar-clock',
  config: scheduleConfig,
  outputDescription: 'An item `{ firedAt, scheduledFor, cron, timezone }`.',
  sample: (config) => {
    const now = new Date().toISOString();
    return {
      firedAt: now,
      scheduledFor: now,
      cron: typeof config.cron === 'string' ? config.cron : '',
      timezone: typeof config.timezone === 'string' ? config.timezone : 'UTC',
    };
  },
});
