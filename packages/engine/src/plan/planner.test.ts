// Scheduling decisions without any I/O: deliveries, skips, joins and disabled nodes.
import { flowDefinitionSchema } from '@tributary/flow';
import { describe, expect, test } from 'vitest';
import { compileFlow } from '../core/index.js';
import { type JoinState, type PendingJoin, planAfterOutput } from './planner.js';

function compiled(nodes: Array<Record<string, unknown>>, edges: Array<Record<string, unknown>>) {
  const def = flowDefinitionSchema.parse({
    name: 'P',
    slug: 'p',
    nodes: [{ id: 't', type: 'trigger.manual', name: 'T', config: {} }, ...nodes],
    edges,
  });
  return compileFlow('flow', 1, def);
}

let counter = 0;
const ids = () => `id-${++counter}`;

const set = (id: string, extra: Record<string, unknown> = {}) => ({
  id,
  type: 'logic.set',
  name: id.toUpperCase(),
  config: { fields: {} },
  ...extra,
});
const ifNode = (id: string) => ({
  id,
  type: 'logic.if',
  name: id.toUpperCase(),
  config: { condition: true },
});
const merge = (id: string) => ({ id, type: 'logic.merge', name: id.toUpperCase(), config: {} });

describe('planAfterOutput', () => {
  test('one queued step per item on each edge of a port that has items', () => {
    const flow = compiled(
      [set('a'), set('b')],
      [
        { id: 'e1', source: 't', target: 'a' },
        { id: 'e2', source: 't', target: 'b' },
      ],
    );
    const plan = planAfterOutput(
      flow,
      {},
      new Map(),
      { nodeId: 't', stepId: 'from' },
      { main: [{ x: 1 }, { x: 2 }] },
      ids,
    );
    expect(plan.steps.map((s) => [s.nodeId, s.status, s.input])).toEqual([
      ['a', 'queued', { x: 1 }],
      ['a', 'queued', { x: 2 }],
      ['b', 'queued', { x: 1 }],
      ['b', 'queued', { x: 2 }],
    ]);
    // edges into nodes with one way in are decided on the spot and not kept
    expect(plan.edgeState).toEqual({});
  });

  test('an empty port skips its target and everything below it that has no other way in', () => {
    const flow = compiled(
      [ifNode('if'), set('yes'), set('after-yes'), set('no')],
      [
        { id: 'e1', source: 't', target: 'if' },
        { id: 'e2', source: 'if', sourceHandle: 'true', target: 'yes' },
        { id: 'e3', source: 'yes', target: 'after-yes' },
        { id: 'e4', source: 'if', sourceHandle: 'false', target: 'no' },
      ],
    );
    const plan = planAfterOutput(
      flow,
      {},
      new Map(),
      { nodeId: 'if', stepId: 'from' },
      { true: [], false: [{ v: 1 }] },
      ids,
    );
    expect(plan.steps.map((s) => [s.nodeId, s.status])).toEqual([
      ['yes', 'skipped'],
      ['after-yes', 'skipped'],
      ['no', 'queued'],
    ]);
    expect(plan.edgeState).toEqual({});
  });

  test('a join stays pending until every incoming edge delivered or was skipped', () => {
    const flow = compiled(
      [ifNode('if'), set('a'), set('b'), set('c'), merge('m')],
      [
        { id: 'e1', source: 't', target: 'if' },
        { id: 'e2', source: 'if', sourceHandle: 'true', target: 'a' },
        { id: 'e3', source: 'if', sourceHandle: 'false', target: 'b' },
        { id: 'e4', source: 't', target: 'c' },
        { id: 'ea', source: 'a', target: 'm' },
        { id: 'eb', source: 'b', target: 'm' },
        { id: 'ec', source: 'c', target: 'm' },
      ],
    );
    const afterIf = planAfterOutput(
      flow,
      {},
      new Map(),
      { nodeId: 'if', stepId: 'from' },
      { true: [{ v: 'a' }], false: [] },
      ids,
    );
    const joinStep = afterIf.steps.find((s) => s.nodeId === 'm');
    expect(joinStep?.status).toBe('pending');
    const joinState = joinStep?.state as JoinState;
    expect(joinState).toEqual({ joinKey: 'm', arrivals: { eb: [null] }, expected: 1 });

    const pending = new Map<string, PendingJoin>([
      ['m', { stepId: joinStep?.id ?? '', arrivals: joinState.arrivals, expected: 1 }],
    ]);
    const afterA = planAfterOutput(
      flow,
      afterIf.edgeState,
      pending,
      { nodeId: 'a', stepId: 'from' },
      { main: [{ v: 'a' }] },
      ids,
    );
    expect(afterA.joinUpdates).toEqual([
      {
        stepId: joinStep?.id,
        status: 'pending',
        input: null,
        state: {
          joinKey: 'm',
          expected: 1,
          arrivals: { eb: [null], ea: [{ node: 'A', item: { v: 'a' }, index: 0 }] },
        },
      },
    ]);

    const still = new Map<string, PendingJoin>([
      [
        'm',
        { stepId: joinStep?.id ?? '', arrivals: afterA.joinUpdates[0]?.state.arrivals ?? {}, expected: 1 },
      ],
    ]);
    const afterC = planAfterOutput(
      flow,
      afterA.edgeState,
      still,
      { nodeId: 'c', stepId: 'from' },
      { main: [{ v: 'c' }] },
      ids,
    );
    expect(afterC.joinUpdates[0]).toMatchObject({
      status: 'queued',
      input: {
        branches: [
          { node: 'A', item: { v: 'a' } },
          { node: 'C', item: { v: 'c' } },
        ],
      },
    });
  });

  test('a join whose every branch was skipped is skipped and passes the skip on', () => {
    const flow = compiled(
      [ifNode('if'), set('a'), merge('m'), set('end')],
      [
        { id: 'e1', source: 't', target: 'if' },
        { id: 'e2', source: 'if', sourceHandle: 'true', target: 'a' },
        { id: 'e3', source: 'a', target: 'm' },
        { id: 'e4', source: 'm', target: 'end' },
      ],
    );
    const plan = planAfterOutput(
      flow,
      {},
      new Map(),
      { nodeId: 'if', stepId: 'from' },
      { true: [], false: [{}] },
      ids,
    );
    expect(plan.steps.map((s) => [s.nodeId, s.status])).toEqual([
      ['a', 'skipped'],
      ['end', 'skipped'],
      ['m', 'skipped'],
    ]);
  });

  test('a disabled node passes its input through without running', () => {
    const flow = compiled(
      [set('off', { disabled: true }), set('next')],
      [
        { id: 'e1', source: 't', target: 'off' },
        { id: 'e2', source: 'off', target: 'next' },
      ],
    );
    const plan = planAfterOutput(
      flow,
      {},
      new Map(),
      { nodeId: 't', stepId: 'from' },
      { main: [{ v: 1 }] },
      ids,
    );
    expect(plan.steps.map((s) => [s.nodeId, s.status, s.input])).toEqual([
      ['off', 'succeeded', { v: 1 }],
      ['next', 'queued', { v: 1 }],
    ]);
  });

  test('a node reached by a delivered edge is not skipped when another edge into it is empty', () => {
    const flow = compiled(
      [ifNode('if'), set('x')],
      [
        { id: 'e1', source: 't', target: 'if' },
        { id: 'e2', source: 'if', sourceHandle: 'true', target: 'x' },
        { id: 'e3', source: 'if', sourceHandle: 'false', target: 'x' },
      ],
    );
    const plan = planAfterOutput(
      flow,
      {},
      new Map(),
      { nodeId: 'if', stepId: 'from' },
      { true: [{ v: 1 }], false: [] },
      ids,
    );
    expect(plan.steps.map((s) => [s.nodeId, s.status])).toEqual([['x', 'queued']]);
  });

  test('a split starts one scoped step per item, and a merge after it waits for every item', () => {
    const split = { id: 'split', type: 'logic.split', name: 'Each', config: { items: [] } };
    const flow = compiled(
      [split, ifNode('keep'), set('work'), merge('m')],
      [
        { id: 'e1', source: 't', target: 'split' },
        { id: 'e2', source: 'split', target: 'keep' },
        { id: 'e3', source: 'keep', sourceHandle: 'true', target: 'work' },
        { id: 'e4', source: 'work', target: 'm' },
      ],
    );
    const fanned = planAfterOutput(
      flow,
      {},
      new Map(),
      { nodeId: 'split', stepId: 'S' },
      { main: ['a', 'b'] },
      ids,
    );
    expect(fanned.steps.map((s) => [s.nodeId, s.input, s.state])).toEqual([
      ['keep', 'a', { scope: { split: 'S', index: 0, total: 2 } }],
      ['keep', 'b', { scope: { split: 'S', index: 1, total: 2 } }],
    ]);
    // item 1 is filtered out: its branch is skipped up to the merge, which still waits for item 0
    const second = planAfterOutput(
      flow,
      fanned.edgeState,
      new Map(),
      { nodeId: 'keep', stepId: 'K1', scope: { split: 'S', index: 1, total: 2 } },
      { true: [], false: ['b'] },
      ids,
    );
    expect(second.steps.map((s) => [s.nodeId, s.status])).toEqual([
      ['work', 'skipped'],
      ['m', 'pending'],
    ]);
    const pendingState = second.steps[1]?.state as JoinState;
    expect(pendingState).toMatchObject({ joinKey: 'm@S', expected: 2, arrivals: { e4: [null] } });
    const joins = new Map<string, PendingJoin>([
      ['m@S', { stepId: second.steps[1]?.id ?? '', arrivals: pendingState.arrivals, expected: 2 }],
    ]);
    const first = planAfterOutput(
      flow,
      second.edgeState,
      joins,
      { nodeId: 'work', stepId: 'W0', scope: { split: 'S', index: 0, total: 2 } },
      { main: ['A'] },
      ids,
    );
    expect(first.joinUpdates).toEqual([
      expect.objectContaining({ status: 'queued', input: { branches: [{ node: 'WORK', item: 'A' }] } }),
    ]);
  });
});
