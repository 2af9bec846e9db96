// The manual trigger: a run started by hand from the editor, API or CLI with a payload.
import { z } from 'zod';
import { defineNode } from '../define-node.js';

const manualConfig = z.strictObject({
  sample: z
    .unknown()
    .optional()
    .describe('Any JSON value: the payload a test run uses when it is started without one'),
});

/** Starts a run when someone starts the flow by hand. */
export const manualTrigger = defineNode({
  type: 'trigger.manual',
  version: 1,
  category: 'trigger',
  traits: { trigger: 'manual' },
  title: 'Manual start',
  description: 'Starts the flow when someone runs it by hand, with a payload they give.',
  icon: 'play',
  config: manualConfig,
  outputDescription: 'One item: the payload given when the run was started, as it was given.',
  sample: (config) => config.sample ?? { email: 'ada@example.com' },
});
