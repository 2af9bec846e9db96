import { FatalError, PERSON_CORRELATION } from '@tributary/flow';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import type { WaitForEventRequest, WaitOutcome } from '../define-node.js';
import { runNode } from './test-context.js';
import { waitForEvent } from './wait-for-event.js';

const HOUR = 3_600_000;

const EVENT = {
  id: 'evt-2',
  name: 'Order Completed',
  payload: { userId: 'u-1', properties: { total: 40 } },
  receivedAt: '2025-01-01T10:00:00.000Z',
};

/** A waitForEvent that records each request and answers with `outcome`. */
function waiter(outcome: WaitOutcome) {
  const requests: WaitForEventRequest[] = [];
  return {
    requests,
    waitForEvent: (request: WaitForEventRequest) => {
      requests.push(request);
      return Promise.resolve(outcome);
    },
  };
}

describe('wait-for-event', () => {
  const item = { orderId: 7, userId: 'u-1' };

  it('emits the item with the matching event on received', async () => {
    const { waitForEvent: wait } = waiter({ port: 'received', event: EVENT });
    const out = await runNode(waitForEvent, { event: 'Order Completed', correlation: 'u-1' }, item, {
      waitForEvent: wait,
    });
    expect(out).toEqual({ received: [{ ...item, event: EVENT }], timeout: [] });
  });

  it('wraps a non-object item as value when an event is received', async () => {
    const { waitForEvent: wait } = waiter({ port: 'received', event: EVENT });
    const out = await runNode(waitForEvent, { event: 'Order Completed', correlation: 'u-1' }, [1, 2], {
      waitForEvent: wait,
    });
    expect(out.received).toEqual([{ value: [1, 2], event: EVENT }]);
  });

  it('emits the very same item on timeout', async () => {
    const { waitForEvent: wait } = waiter({ port: 'timeout' });
    const out = await runNode(waitForEvent, { event: 'Order Completed', correlation: 'u-1' }, item, {
      waitForEvent: wait,
    });
    expect(out).toEqual({ received: [], timeout: [item] });
    expect(out.timeout?.[0]).toBe(item);
  });

  it('asks for one event name, the correlation key, an hour’s wait and a minute’s lookback by default', async () => {
    const { requests, waitForEvent: wait } = waiter({ port: 'timeout' });
    await runNode(waitForEvent, { event: 'Order Completed', correlation: 'u-1' }, item, {
      waitForEvent: wait,
    });
    expect(requests).toEqual([
      { events: ['Order Completed'], key: 'u-1', timeoutMs: HOUR, lookbackMs: 60_000 },
    ]);
  });

  it('waits for any of a list of event names, with the configured times', async () => {
    const { requests, waitForEvent: wait } = waiter({ port: 'timeout' });
    await runNode(
      waitForEvent,
      {
        event: ['Order Completed', 'Cart Abandoned'],
        correlation: 'u-1',
        timeoutMs: 2 * HOUR,
        lookbackMs: 0,
      },
      item,
      { waitForEvent: wait },
    );
    expect(requests).toEqual([
      { events: ['Order Completed', 'Cart Abandoned'], key: 'u-1', timeoutMs: 2 * HOUR, lookbackMs: 0 },
    ]);
  });

  it('sends a number or boolean correlation as its text, as incoming events are keyed', async () => {
    const { requests, waitForEvent: wait } = waiter({ port: 'timeout' });
    await runNode(waitForEvent, { event: 'Paid', correlation: 42 }, item, { waitForEvent: wait });
    await runNode(waitForEvent, { event: 'Paid', correlation: 0 }, item, { waitForEvent: wait });
    await runNode(waitForEvent, { event: 'Paid', correlation: false }, item, { waitForEvent: wait });
    expect(requests.map((r) => r.key)).toEqual(['42', '0', 'false']);
  });

  it.each([
    ['empty', ''],
    ['null', null],
    ['an object', { userId: 'u-1' }],
    ['a list', ['u-1']],
  ])(
    'without a correlation value (%s) goes down timeout at once, or fails with no_correlation when told',
    async (_, c) => {
      // never asked: the node goes down timeout (or fails) before it waits
      const { requests, waitForEvent: wait } = waiter({
        port: 'received',
        event: { id: 'e-1', name: 'Paid', payload: {}, receivedAt: new Date(0).toISOString() },
      });
      const out = await runNode(waitForEvent, { event: 'Paid', correlation: c }, item, {
        waitForEvent: wait,
      });
      expect(out).toEqual({ received: [], timeout: [item] });
      const run = runNode(waitForEvent, { event: 'Paid', correlation: c, withoutCorrelation: 'fail' }, item, {
        waitForEvent: wait,
      });
      await expect(run).rejects.toBeInstanceOf(FatalError);
      await expect(run).rejects.toMatchObject({ code: 'no_correlation' });
      expect(requests).toEqual([]);
    },
  );

  it('lets the engine’s parking signal through unchanged', async () => {
    const parked = new Error('parked');
    const run = runNode(waitForEvent, { event: 'Paid', correlation: 'u-1' }, item, {
      waitForEvent: () => Promise.reject(parked),
    });
    await expect(run).rejects.toBe(parked);
  });

  it('correlates on the person of the triggering event by default, and takes timeout without one', () => {
    expect(waitForEvent.config.parse({ event: 'Paid' })).toEqual({
      event: 'Paid',
      correlation: PERSON_CORRELATION,
      withoutCorrelation: 'timeout',
      timeoutMs: HOUR,
      lookbackMs: 60_000,
    });
    expect(waitForEvent.config.safeParse({ event: 'Paid', withoutCorrelation: 'dead-letter' }).success).toBe(
      false,
    );
  });

  it('refuses empty names, an empty list, more than 50 names and unknown fields', () => {
    const names = (n: number) => Array.from({ length: n }, (_, i) => `event ${i}`);
    expect(waitForEvent.config.safeParse({}).success).toBe(false);
    expect(waitForEvent.config.safeParse({ event: '' }).success).toBe(false);
    expect(waitForEvent.config.safeParse({ event: [] }).success).toBe(false);
    expect(waitForEvent.config.safeParse({ event: [''] }).success).toBe(false);
    expect(waitForEvent.config.safeParse({ event: names(50) }).success).toBe(true);
    expect(waitForEvent.config.safeParse({ event: names(51) }).success).toBe(false);
    expect(waitForEvent.config.safeParse({ event: 'Paid', events: ['Paid'] }).success).toBe(false);
  });

  it('waits between 1 ms and 90 days and looks back at most a day', () => {
    const ok = (c: object) => waitForEvent.config.safeParse({ event: 'Paid', ...c }).success;
    expect(ok({ timeoutMs: 1 })).toBe(true);
    expect(ok({ timeoutMs: 90 * 24 * HOUR })).toBe(true);
    expect(ok({ timeoutMs: 0 })).toBe(false);
    expect(ok({ timeoutMs: 90 * 24 * HOUR + 1 })).toBe(false);
    expect(ok({ timeoutMs: 1.5 })).toBe(false);
    expect(ok({ lookbackMs: 0 })).toBe(true);
    expect(ok({ lookbackMs: 24 * HOUR })).toBe(true);
    expect(ok({ lookbackMs: 24 * HOUR + 1 })).toBe(false);
    expect(ok({ lookbackMs: -1 })).toBe(false);
  });

  it('has a received and a timeout port besides its error port, and is not pure', () => {
    expect(waitForEvent.outputs({})).toEqual(['received', 'timeout']);
    expect(waitForEvent.canFail).toBe(true);
    expect(waitForEvent.traits.pure).toBe(false);
  });

  it('keeps its JSON Schema for the editor', () => {
    expect(z.toJSONSchema(waitForEvent.config, { io: 'input' })).toMatchSnapshot();
  });
});
