// Validation of single Segment messages and what the engine receives for them.
import { describe, expect, test } from 'vitest';
import { validateMessage } from './validate-message.js';

const receivedAt = new Date('2024-05-01T12:00:00.000Z');

function accepted(raw: unknown, options: Partial<Parameters<typeof validateMessage>[1]> = {}) {
  const result = validateMessage(raw, { receivedAt, ...options });
  if (!result.ok) throw new Error(`rejected: ${JSON.stringify(result.problems)}`);
  return result.message;
}

function rejected(raw: unknown, options: Partial<Parameters<typeof validateMessage>[1]> = {}) {
  const result = validateMessage(raw, { receivedAt, ...options });
  if (result.ok) throw new Error('accepted');
  return result;
}

describe('accepted messages', () => {
  test('a track call becomes a message with its event, ids, corrected time and the payload as received', () => {
    const message = accepted(
      {
        userId: 'u1',
        event: 'Order Completed',
        properties: { total: 30 },
        messageId: 'm-1',
        timestamp: '2024-05-01T13:00:00.000Z',
        sentAt: '2024-05-01T13:00:05.000Z',
        writeKey: 'secret-key',
        email: 'extra@example.com',
      },
      { type: 'track' },
    );
    expect(message).toEqual({
      type: 'track',
      messageId: 'm-1',
      event: 'Order Completed',
      userId: 'u1',
      anonymousId: null,
      timestamp: '2024-05-01T11:59:55.000Z',
      receivedAt: '2024-05-01T12:00:00.000Z',
      payload: {
        type: 'track',
        userId: 'u1',
        event: 'Order Completed',
        properties: { total: 30 },
        messageId: 'm-1',
        originalTimestamp: '2024-05-01T13:00:00.000Z',
        timestamp: '2024-05-01T11:59:55.000Z',
        sentAt: '2024-05-01T13:00:05.000Z',
        receivedAt: '2024-05-01T12:00:00.000Z',
        email: 'extra@example.com',
      },
    });
  });

  test('a field named __proto__ stays an ordinary field of the payload, and the write key is left out', () => {
    const raw = JSON.parse(
      '{"userId":"u1","event":"Viewed","writeKey":"secret-key","__proto__":{"polluted":true}}',
    ) as Record<string, unknown>;
    const { payload } = accepted(raw, { type: 'track' });
    expect(Object.getPrototypeOf(payload)).toBe(Object.prototype);
    expect(Object.keys(payload)).toContain('__proto__');
    expect(Object.getOwnPropertyDescriptor(JSON.parse(JSON.stringify(payload)), '__proto__')?.value).toEqual({
      polluted: true,
    });
    expect((payload as { polluted?: unknown }).polluted).toBeUndefined();
    expect(payload).not.toHaveProperty('writeKey');
    expect(raw.writeKey).toBe('secret-key');
  });

  test('a missing messageId is generated and stored in the payload', () => {
    const message = accepted({ anonymousId: 'a1', event: 'Viewed' }, { type: 'track' });
    expect(message.messageId).toMatch(/^[0-9a-f-]{36}$/);
    expect(message.payload.messageId).toBe(message.messageId);
  });

  test('an integer userId becomes a string; a null userId with an anonymousId is fine', () => {
    expect(accepted({ userId: 42, event: 'E' }, { type: 'track' })).toMatchObject({
      userId: '42',
      payload: { userId: '42' },
    });
    expect(accepted({ userId: null, anonymousId: 'a', event: 'E' }, { type: 'track' })).toMatchObject({
      userId: null,
      anonymousId: 'a',
    });
  });

  test('without any client time the event happened when it was received', () => {
    expect(accepted({ userId: 'u', event: 'E' }, { type: 'track' }).timestamp).toBe(receivedAt.toISOString());
  });

  test('a historical timestamp without sentAt is kept', () => {
    const message = accepted(
      { userId: 'u', event: 'E', timestamp: '2012-12-02T00:30:08.276Z' },
      { type: 'track' },
    );
    expect(message.timestamp).toBe('2012-12-02T00:30:08.276Z');
  });

  test('identify passes its traits on; group traits stay in the payload only', () => {
    expect(accepted({ userId: 'u', traits: { plan: 'pro' } }, { type: 'identify' }).traits).toEqual({
      plan: 'pro',
    });
    const group = accepted({ userId: 'u', groupId: 7, traits: { name: 'Initech' } }, { type: 'group' });
    expect(group.traits).toBeUndefined();
    expect(group.payload).toMatchObject({ groupId: '7', traits: { name: 'Initech' } });
  });

  test('page and screen take an optional name; alias needs only previousId and userId', () => {
    expect(accepted({ userId: 'u', name: 'Pricing' }, { type: 'page' }).name).toBe('Pricing');
    expect(accepted({ userId: 'u', name: null }, { type: 'screen' }).name).toBeUndefined();
    expect(accepted({ previousId: 'anon-1', userId: 'u' }, { type: 'alias' })).toMatchObject({
      previousId: 'anon-1',
      userId: 'u',
      anonymousId: null,
    });
  });

  test('batch defaults: sentAt corrects the time, context and integrations merge (the message wins)', () => {
    const message = accepted(
      {
        type: 'track',
        userId: 'u',
        event: 'E',
        timestamp: '2024-05-01T08:00:00.000Z',
        context: { ip: '10.0.0.1' },
      },
      {
        defaults: {
          sentAt: '2024-05-01T08:00:10.000Z',
          context: { ip: '1.2.3.4', device: { type: 'phone' } },
          integrations: { All: true },
        },
      },
    );
    expect(message.timestamp).toBe('2024-05-01T11:59:50.000Z');
    expect(message.payload).toMatchObject({
      sentAt: '2024-05-01T08:00:10.000Z',
      context: { ip: '10.0.0.1', device: { type: 'phone' } },
      integrations: { All: true },
    });
  });

  test('a clock up to 10 minutes ahead (no sentAt) is tolerated', () => {
    const soon = new Date(receivedAt.getTime() + 5 * 60_000).toISOString();
    expect(accepted({ userId: 'u', event: 'E', timestamp: soon }, { type: 'track' }).timestamp).toBe(soon);
  });
});

describe('rejected messages', () => {
  test.each([
    ['no id at all', { event: 'E' }, 'missing_id', 'userId'],
    ['empty ids only', { userId: null, anonymousId: null, event: 'E' }, 'missing_id', 'userId'],
    ['a boolean userId', { userId: true, event: 'E' }, 'invalid_field', 'userId'],
    ['an empty anonymousId', { anonymousId: '', event: 'E' }, 'invalid_field', 'anonymousId'],
    ['no event', { userId: 'u' }, 'invalid_field', 'event'],
    ['a numeric event', { userId: 'u', event: 42 }, 'invalid_field', 'event'],
    ['a blank event', { userId: 'u', event: '   ' }, 'invalid_field', 'event'],
    ['array properties', { userId: 'u', event: 'E', properties: [1] }, 'invalid_field', 'properties'],
    ['string context', { userId: 'u', event: 'E', context: 'web' }, 'invalid_field', 'context'],
    ['a numeric messageId', { userId: 'u', event: 'E', messageId: 5 }, 'invalid_field', 'messageId'],
    [
      'an invalid date',
      { userId: 'u', event: 'E', timestamp: '2024-02-30T00:00:00Z' },
      'invalid_timestamp',
      'timestamp',
    ],
    ['an epoch number', { userId: 'u', event: 'E', timestamp: 1714558830 }, 'invalid_timestamp', 'timestamp'],
    ['an invalid sentAt', { userId: 'u', event: 'E', sentAt: 'now' }, 'invalid_timestamp', 'sentAt'],
    [
      'a far-future time',
      { userId: 'u', event: 'E', timestamp: '2030-01-01T00:00:00Z' },
      'timestamp_in_future',
      'timestamp',
    ],
    [
      'a time before 1970',
      { userId: 'u', event: 'E', timestamp: '1969-12-31T23:59:59Z' },
      'timestamp_too_old',
      'timestamp',
    ],
    ['another type', { type: 'identify', userId: 'u', event: 'E' }, 'invalid_type', 'type'],
  ])('a track call with %s', (_what, raw, code, path) => {
    const result = rejected(raw, { type: 'track' });
    expect(result.problems[0]).toMatchObject({ code, path });
  });

  test('a sentAt earlier than the event time pushes it into the future', () => {
    const result = rejected(
      { userId: 'u', event: 'E', timestamp: '2024-05-01T12:00:00Z', sentAt: '2024-05-01T10:00:00Z' },
      { type: 'track' },
    );
    expect(result.problems[0]?.code).toBe('timestamp_in_future');
  });

  test('a group needs a groupId; an alias needs previousId and userId', () => {
    expect(rejected({ userId: 'u' }, { type: 'group' }).problems[0]).toMatchObject({
      path: 'groupId',
      message: 'is required',
    });
    const alias = rejected({ anonymousId: 'a' }, { type: 'alias' }).problems.map((p) => p.path);
    expect(alias.sort()).toEqual(['previousId', 'userId']);
  });

  test('a batch message needs a known type', () => {
    expect(rejected({ userId: 'u' }).problems[0]).toMatchObject({ code: 'invalid_type', path: 'type' });
    expect(rejected({ type: 'purchase', userId: 'u' }).problems[0]).toMatchObject({ code: 'invalid_type' });
  });

  test('a message that is not an object, keeping a readable messageId for the report', () => {
    expect(rejected([1, 2]).problems[0]).toMatchObject({ code: 'invalid_message' });
    expect(rejected({ type: 'track', messageId: 'm-9', userId: 'u' }).messageId).toBe('m-9');
  });
});
