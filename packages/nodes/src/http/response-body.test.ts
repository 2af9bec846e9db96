import { describe, expect, it } from 'vitest';
import { bodyExcerpt, decodeBody } from './response-body.js';

const bytes = (s: string) => new TextEncoder().encode(s);

describe('decodeBody', () => {
  it('parses JSON and JSON-suffixed types', () => {
    expect(decodeBody({ 'content-type': 'application/json' }, bytes('{"a":[1,2]}'))).toEqual({
      body: { a: [1, 2] },
    });
    expect(
      decodeBody({ 'content-type': 'Application/Problem+JSON; charset=utf-8' }, bytes('{"x":1}')),
    ).toEqual({
      body: { x: 1 },
    });
  });

  it('gives null for an empty JSON body and text for one that does not parse', () => {
    expect(decodeBody({ 'content-type': 'application/json' }, bytes(''))).toEqual({ body: null });
    expect(decodeBody({ 'content-type': 'application/json' }, bytes('not json'))).toEqual({
      body: 'not json',
    });
  });

  it('decodes text types with their charset', () => {
    expect(decodeBody({ 'content-type': 'text/html' }, bytes('<p>hé</p>'))).toEqual({ body: '<p>hé</p>' });
    expect(
      decodeBody({ 'content-type': 'text/plain; charset=iso-8859-1' }, new Uint8Array([0x68, 0xe9])),
    ).toEqual({ body: 'hé' });
    expect(decodeBody({ 'content-type': 'application/xml' }, bytes('<a/>'))).toEqual({ body: '<a/>' });
  });

  it('falls back to UTF-8 for an unknown charset label', () => {
    expect(decodeBody({ 'content-type': 'text/plain; charset=klingon' }, bytes('ok'))).toEqual({
      body: 'ok',
    });
  });

  it('base64-encodes binary types and flags them', () => {
    const png = new Uint8Array([0x89, 0x50, 0x4e, 0x47]);
    expect(decodeBody({ 'content-type': 'image/png' }, png)).toEqual({
      body: 'iVBORw==',
      bodyEncoding: 'base64',
    });
  });

  it('reads an unlabelled body as text when it is UTF-8 and as base64 when not', () => {
    expect(decodeBody({}, bytes('plain'))).toEqual({ body: 'plain' });
    expect(decodeBody({}, new Uint8Array([0xff, 0xfe, 0x00]))).toEqual({
      body: '//4A',
      bodyEncoding: 'base64',
    });
  });
});

describe('bodyExcerpt', () => {
  it('keeps short bodies and cuts long ones to the limit', () => {
    expect(bodyExcerpt(bytes('  not found \n'))).toBe('not found');
    const cut = bodyExcerpt(bytes('x'.repeat(2000)));
    expect(cut).toHaveLength(500);
    expect(cut.endsWith('…')).toBe(true);
  });
});
