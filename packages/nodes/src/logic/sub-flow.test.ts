import { describe, expect, test } from 'vitest';
import type { CallFlowRequest } from '../define-node.js';
import { subFlow } from './sub-flow.js';
import { runNode } from './test-context.js';

function calls(outcome: { runId: string; items: unknown[] }) {
  const requests: CallFlowRequest[] = [];
  const callFlow = async (request: CallFlowRequest) => {
    requests.push(request);
    return {
      ...outcome,
      flowId: 'flow-2',
      status: request.wait ? ('succeeded' as const) : ('running' as const),
    };
  };
  return { requests, callFlow };
}

describe('logic.sub-flow', () => {
  test('waits by default and goes on with the child run’s last items; the input item is the child’s', async () => {
    const { requests, callFlow } = calls({ runId: 'run-2', items: [{ total: 30 }, { total: 40 }] });
    const out = await runNode(subFlow, { flow: 'price-order' }, { qty: 3 }, { callFlow });
    expect(out).toEqual({ main: [{ total: 30 }, { total: 40 }] });
    expect(requests).toEqual([{ flow: 'price-order', input: { qty: 3 }, wait: true, timeoutMs: 3_600_000 }]);
  });

  test('without wait it goes on at once with the child run id beside the input', async () => {
    const { requests, callFlow } = calls({ runId: 'run-3', items: [] });
    const out = await runNode(subFlow, { flow: 'log-it', wait: false, input: { note: 'x' } }, 'text', {
      callFlow,
    });
    expect(out).toEqual({ main: [{ value: 'text', subFlow: { runId: 'run-3', flowId: 'flow-2' } }] });
    expect(requests[0]).toMatchObject({ input: { note: 'x' }, wait: false });
  });

  test('the flow is a slug, and the time limit is between 1 s and 30 days', () => {
    expect(subFlow.config.safeParse({ flow: 'Not A Slug' }).success).toBe(false);
    expect(subFlow.config.safeParse({ flow: 'ok-slug', timeoutMs: 999 }).success).toBe(false);
    expect(subFlow.config.safeParse({ flow: 'ok-slug', timeoutMs: 31 * 86_400_000 }).success).toBe(false);
    expect(subFlow.traits.callsFlow?.target({ flow: 'ok-slug' })).toBe('ok-slug');
  });
});
