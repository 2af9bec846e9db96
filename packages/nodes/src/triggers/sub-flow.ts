// The sub-flow trigger: a flow meant to be called by other flows (logic.sub-flow), with the caller's input.
import { z } from 'zod';
import { defineNode } from '../define-node.js';

const subFlowTriggerConfig = z.strictObject({
  sample: z
    .unknown()
    .optional()
    .describe('Any JSON value: the input a test run of this flow uses when it is started without one'),
});

/** Starts a run when another flow calls this one. */
export const subFlowTrigger = defineNode({
  type: 'trigger.sub-flow',
  version: 1,
  category: 'trigger',
  traits: { trigger: 'sub-flow' },
  title: 'Called by a flow',
  description:
    'Starts the flow when another flow calls it with a “Call a flow” node; the caller may wait for its result.',
  icon: 'corner-down-right',
  config: subFlowTriggerConfig,
  outputDescription:
    'One item: the input the calling step gave. `$event.payload` holds it too, and `$event.source` is `sub-flow`.',
  sample: (config) => config.sample ?? { orderId: 'ord_1001', total: 42 },
});
