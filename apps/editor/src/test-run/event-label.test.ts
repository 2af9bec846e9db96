import { describe, expect, test } from 'vitest';
import type { EventRecord } from '../api/types';
import { eventLabel } from './event-label';

const NOW = Date.parse('2026-12-03T10:02:00.000Z');

function event(patch: Partial<EventRecord>): EventRecord {
  return {
    id: '00000000-0000-4000-8000-0000000000aa',
    source: 'manual',
    type: 'manual',
    idempotencyKey: null,
    payload: {},
    receivedAt: '2026-12-03T10:00:00.000Z',
    name: null,
    userId: null,
    anonymousId: null,
    occurredAt: null,
    planViolations: null,
    runs: [],
    refusals: [],
    ...patch,
  };
}

describe('past events in words', () => {
  test('a tracking event by its name and person, anonymous visitors by their anonymousId', () => {
    expect(
      eventLabel(
        event({ source: 'tracking:1', type: 'track', name: 'Checkout Started', userId: 'ada' }),
        NOW,
      ),
    ).toBe('2 min ago · Checkout Started · ada');
    expect(eventLabel(event({ source: 'tracking:1', type: 'identify', anonymousId: 'visitor-7' }), NOW)).toBe(
      '2 min ago · identify · visitor-7',
    );
  });

  test('a webhook by its method, path and the start of its body', () => {
    const body = { email: 'someone@example.com', note: 'x'.repeat(100) };
    const label = eventLabel(
      event({ source: 'webhook:orders/created', type: 'webhook', payload: { method: 'PUT', body } }),
      NOW,
    );
    expect(label).toMatch(/^2 min ago · PUT orders\/created · \{"email":"someone@example\.com","note":"x+…$/);
    expect(label.length).toBeLessThan(100);
  });

  test('anything else by its type', () => {
    expect(eventLabel(event({}), NOW)).toBe('2 min ago · manual');
    expect(eventLabel(event({ type: 'replay', source: 'run:1' }), NOW)).toBe('2 min ago · replay (run:1)');
  });
});
