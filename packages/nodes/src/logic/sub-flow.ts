// The sub-flow node: calls another flow and, by default, waits durably for its run to end, going on with the
// child run's last output (or failing with its error).
import { z } from 'zod';
import { defineNode } from '../define-node.js';

const DAY = 86_400_000;

const subFlowConfig = z.strictObject({
  flow: z
    .string()
    .trim()
    .min(1)
    .max(200)
    .regex(/^[a-z0-9][a-z0-9-]*$/, 'a flow slug: lower-case letters, digits and dashes')
    // the editor offers the flows that can be called (x-flow-slug)
    .meta({ 'x-flow-slug': true })
    .describe('The slug of the flow to call; it must start with “Called by a flow” and be published'),
  input: z.unknown().optional().describe('The child run’s input item; left out: this step’s input item'),
  wait: z
    .boolean()
    .default(true)
    .describe('Wait until the child run ends and go on with its last output (default), or go on at once'),
  timeoutMs: z
    .number()
    .int()
    .min(1_000)
    .max(30 * DAY)
    .default(3_600_000)
    .describe('With wait: how long the child run may take before this step fails (ms); the child goes on'),
});

/** Calls a flow (its published version) with an item. */
export const subFlow = defineNode({
  type: 'logic.sub-flow',
  version: 1,
  category: 'logic',
  title: 'Call a flow',
  description:
    'Runs another flow with an item. Waits for it (durably, across restarts) and goes on with its result, or goes on at once.',
  icon: 'workflow',
  config: subFlowConfig,
  canFail: true,
  traits: { callsFlow: { target: (config) => config.flow } },
  // a call is started once per step; a retry after a failure would only find the same failed child
  retry: { attempts: 1 },
  outputDescription:
    'With wait: the items of the child run’s last step. Without: the input item with `subFlow: {runId, flowId}`. A child run that fails, is canceled or outlasts `timeoutMs` fails the step (code sub_flow_failed / sub_flow_timeout).',
  run: async (ctx, input) => {
    const outcome = await ctx.callFlow({
      flow: ctx.config.flow,
      input: ctx.config.input === undefined ? input : ctx.config.input,
      wait: ctx.config.wait,
      timeoutMs: ctx.config.timeoutMs,
    });
    if (ctx.config.wait) return { main: outcome.items };
    const base =
      typeof input === 'object' && input !== null && !Array.isArray(input) ? input : { value: input };
    return { main: [{ ...base, subFlow: { runId: outcome.runId, flowId: outcome.flowId } }] };
  },
});
