// ISO-8601 parsing and Segment's clock-skew correction.
import { describe, expect, test } from 'vitest';
import { correctedTimestamp, parseIsoTimestamp } from './timestamps.js';

describe('parseIsoTimestamp', () => {
  test.each([
    ['2024-05-01T10:20:30.123Z', '2024-05-01T10:20:30.123Z'],
    ['2024-05-01T10:20:30Z', '2024-05-01T10:20:30.000Z'],
    ['2024-05-01T12:20:30.5+02:00', '2024-05-01T10:20:30.500Z'],
    ['2024-05-01T05:20:30-0500', '2024-05-01T10:20:30.000Z'],
    ['2024-05-01T10:20:30.123456789Z', '2024-05-01T10:20:30.123Z'],
    ['2024-05-01T10:20', '2024-05-01T10:20:00.000Z'],
    ['2024-05-01', '2024-05-01T00:00:00.000Z'],
    ['2015-2-02T00:30:08.276Z', '2015-02-02T00:30:08.276Z'],
    ['2024-02-29T00:00:00Z', '2024-02-29T00:00:00.000Z'],
    ['0099-01-01T00:00:00Z', '0099-01-01T00:00:00.000Z'],
  ])('reads %s', (text, iso) => {
    expect(parseIsoTimestamp(text)?.toISOString()).toBe(iso);
  });

  test.each([
    'yesterday',
    '',
    '2023-02-29T00:00:00Z',
    '2024-13-01T00:00:00Z',
    '2024-04-31',
    '2024-05-01T24:00:00Z',
    '2024-05-01T10:60:00Z',
    '2024-05-01T10:20:61Z',
    '2024-05-01T10:20:30+25:00',
    '1714558830',
    '2024-05-01T10:20:30.123ZZ',
    'Wed, 01 May 2024 10:20:30 GMT',
  ])('refuses %j', (text) => {
    expect(parseIsoTimestamp(text)).toBeUndefined();
  });
});

describe('correctedTimestamp', () => {
  const receivedAt = new Date('2024-05-01T12:00:00.000Z');

  test('is receivedAt − (sentAt − originalTimestamp): a client clock 1 h fast is corrected', () => {
    const corrected = correctedTimestamp(
      { timestamp: new Date('2024-05-01T12:59:50.000Z'), sentAt: new Date('2024-05-01T13:00:00.000Z') },
      receivedAt,
    );
    expect(corrected.toISOString()).toBe('2024-05-01T11:59:50.000Z');
  });

  test('originalTimestamp wins over timestamp as the client time', () => {
    const corrected = correctedTimestamp(
      {
        timestamp: new Date('2020-01-01T00:00:00.000Z'),
        originalTimestamp: new Date('2024-05-01T09:00:00.000Z'),
        sentAt: new Date('2024-05-01T10:00:00.000Z'),
      },
      receivedAt,
    );
    expect(corrected.toISOString()).toBe('2024-05-01T11:00:00.000Z');
  });

  test('without sentAt the client time is kept; without any client time it is receivedAt', () => {
    const historical = new Date('2012-12-02T00:30:08.276Z');
    expect(correctedTimestamp({ timestamp: historical }, receivedAt)).toEqual(historical);
    expect(correctedTimestamp({ sentAt: new Date('2030-01-01T00:00:00Z') }, receivedAt)).toEqual(receivedAt);
  });
});
