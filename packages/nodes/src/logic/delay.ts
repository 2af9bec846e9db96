// The delay node: parks the step for a while, then passes the item on.
import { z } from 'zod';
import { defineNode } from '../define-node.js';

const THIRTY_DAYS_MS = 30 * 24 * 60 * 60 * 1000;

const delayConfig = z.strictObject({
  ms: z
    .number()
    .int()
    .min(0)
    .max(THIRTY_DAYS_MS)
    .describe('How long to wait, in milliseconds (at most 30 days)'),
});

/** Waits durably, then passes the item on unchanged. */
export const delay = defineNode({
  type: 'logic.delay',
  version: 1,
  category: 'logic',
  title: 'Delay',
  description: 'Waits for a set time, surviving restarts, then passes the item on.',
  icon: 'clock',
  config: delayConfig,
  // the wait is recorded by the engine, so not pure; nothing here can fail in a way a retry would mend
  traits: { pure: false },
  canFail: true,
  retry: { attempts: 1 },
  outputDescription: 'The input item, unchanged, on `main` once the time has passed.',
  run: (ctx, input) => {
    // the first call parks the step by throwing; after the wake-up it returns and the item goes on
    ctx.sleep(ctx.config.ms);
    return { main: [input] };
  },
});
