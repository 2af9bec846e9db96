import { UUID } from 'uuidv7';
import { expect, test } from 'vitest';
import { newId, uuidText } from './ids.js';

test('ids are UUIDv7, distinct and strictly increasing, across refills of the random pool', () => {
  // 5,000 ids draw well past one 4 KiB pool of random numbers
  const ids = Array.from({ length: 5_000 }, () => newId());
  for (const id of ids)
    expect(id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
  expect(new Set(ids).size).toBe(ids.length);
  for (let i = 1; i < ids.length; i++) expect((ids[i] as string) > (ids[i - 1] as string)).toBe(true);
  // the random tail differs between ids made in the same millisecond
  expect(new Set(ids.map((id) => id.slice(-12))).size).toBeGreaterThan(ids.length * 0.99);
});

test('an id is the text the library gives the same bytes, for every byte value in every position', () => {
  for (let i = 0; i < 200; i++) {
    const id = newId();
    expect(UUID.parse(id).toString()).toBe(id);
  }
  for (let b = 0; b < 256; b++) {
    const bytes = new Uint8Array(16).map((_, i) => (b + i * 17) & 0xff);
    expect(uuidText(bytes)).toBe(UUID.ofInner(bytes).toString());
  }
});
