import { describe, expect, it } from 'vitest';
import { decodeBody, headerValue, isJsonContentType, messageIdOf } from './message-item.js';

const bytes = (text: string) => Buffer.from(text, 'utf8');

describe('message bodies', () => {
  it('parses a body whose content type says JSON, +json types and parameters included', () => {
    expect(decodeBody(bytes('{"a":1}'), 'application/json')).toEqual({ body: { a: 1 }, encoding: 'json' });
    expect(decodeBody(bytes('[1]'), 'application/cloudevents+json; charset=utf-8')).toEqual({
      body: [1],
      encoding: 'json',
    });
    expect(isJsonContentType('Application/JSON ; charset=utf-8')).toBe(true);
    expect(isJsonContentType('text/json-ish')).toBe(false);
  });

  it('keeps text as text when the message does not say JSON, or says JSON and is not', () => {
    expect(decodeBody(bytes('{"a":1}'), undefined)).toEqual({ body: '{"a":1}', encoding: 'text' });
    expect(decodeBody(bytes('not json'), 'application/json')).toEqual({ body: 'not json', encoding: 'text' });
    expect(decodeBody(bytes('héllo'), 'text/plain')).toEqual({ body: 'héllo', encoding: 'text' });
  });

  it('keeps bytes that are not UTF-8, or hold NUL (Postgres stores no \\u0000), as base64', () => {
    const binary = Buffer.from([0xff, 0xfe, 0x00, 0x01]);
    expect(decodeBody(binary, undefined)).toEqual({ body: binary.toString('base64'), encoding: 'base64' });
    expect(decodeBody(bytes('a\u0000b'), 'text/plain')).toEqual({
      body: bytes('a\u0000b').toString('base64'),
      encoding: 'base64',
    });
    // an escaped NUL inside JSON would become a NUL once parsed: the text is kept as written
    expect(decodeBody(bytes('{"a":"\\u0000"}'), 'application/json')).toEqual({
      body: '{"a":"\\u0000"}',
      encoding: 'text',
    });
  });

  it('turns header values into JSON: bytes as text, big integers and dates as strings, nested too', () => {
    expect(
      headerValue({
        text: Buffer.from('x'),
        count: 10n,
        at: new Date('2026-01-02T03:04:05Z'),
        list: [Buffer.from([0xff])],
        n: 1,
      }),
    ).toEqual({ text: 'x', count: '10', at: '2026-01-02T03:04:05.000Z', list: ['/w=='], n: 1 });
  });

  it('uses a message id as an idempotency key only when it is a usable string', () => {
    expect(messageIdOf(' m-1 ')).toBe('m-1');
    expect(messageIdOf('')).toBeUndefined();
    expect(messageIdOf(7)).toBeUndefined();
    expect(messageIdOf('x'.repeat(256))).toBeUndefined();
  });
});
