// What Postgres can store: a body is checked before it is parsed, so text that jsonb would refuse — a NUL
// character, half of a surrogate pair, nesting deeper than anyone means — is a 400 naming the reason, not a
// 500 from the database after the request was accepted for processing.
import { BadRequestError } from '@tributary/flow';

/** The deepest nesting of arrays and objects a body may have (Postgres refuses far less than JSON allows). */
export const MAX_JSON_DEPTH = 100;

const HEX = /^[0-9a-fA-F]{4}$/;

function refuse(code: string, message: string): never {
  throw new BadRequestError(message, { code });
}

/**
 * Whether the text has at most MAX_JSON_DEPTH `{` and `[` in all, so cannot nest deeper (those inside strings
 * count too: an upper bound). Found with indexOf, which V8 runs over the text far faster than a loop of
 * charCodeAt; a large batch gives up after MAX_JSON_DEPTH + 1 finds.
 */
function fewOpenings(text: string): boolean {
  let found = 0;
  for (const open of ['{', '[']) {
    for (let at = text.indexOf(open); at !== -1; at = text.indexOf(open, at + 1)) {
      if (++found > MAX_JSON_DEPTH) return false;
    }
  }
  return true;
}

/**
 * Checks JSON text in one pass: nesting at most MAX_JSON_DEPTH, and no `\u0000` or unpaired surrogate escape
 * in any string (jsonb refuses both). Does not check that the text is JSON: JSON.parse does that next.
 * Text with few openings and no `\u` at all (every such escape has one) passes at once: measured on a
 * tracking call's 350 characters, 0.07 µs against 0.9 µs for the pass below.
 */
export function checkStorableJson(text: string): void {
  if (fewOpenings(text) && !text.includes('\\u')) return;
  let depth = 0;
  let inString = false;
  // a high surrogate escape waiting for its low half, by the position of the escape
  let pendingHigh = -1;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (!inString) {
      if (c === 0x22) inString = true;
      else if (c === 0x5b || c === 0x7b) {
        if (++depth > MAX_JSON_DEPTH) {
          refuse('too_deep', `the JSON is nested deeper than ${MAX_JSON_DEPTH} levels (at character ${i})`);
        }
      } else if (c === 0x5d || c === 0x7d) depth--;
      continue;
    }
    if (c === 0x22) {
      if (pendingHigh >= 0) unpaired(pendingHigh);
      inString = false;
    } else if (c === 0x5c) {
      const next = text.charCodeAt(i + 1);
      if (next !== 0x75) {
        if (pendingHigh >= 0) unpaired(pendingHigh);
        i++;
        continue;
      }
      const hex = text.slice(i + 2, i + 6);
      if (!HEX.test(hex)) {
        i++;
        continue;
      }
      const unit = Number.parseInt(hex, 16);
      if (unit === 0)
        refuse('unstorable_payload', `the JSON holds a NUL character (\\u0000) at character ${i}`);
      if (unit >= 0xdc00 && unit <= 0xdfff) {
        if (pendingHigh < 0) unpaired(i);
        pendingHigh = -1;
      } else {
        if (pendingHigh >= 0) unpaired(pendingHigh);
        pendingHigh = unit >= 0xd800 && unit <= 0xdbff ? i : -1;
      }
      i += 5;
    } else if (pendingHigh >= 0) unpaired(pendingHigh);
  }
}

function unpaired(at: number): never {
  refuse(
    'unstorable_payload',
    `the JSON holds half of a surrogate pair (a \\uD800–\\uDFFF escape without its other half) at character ${at}`,
  );
}

/** Checks decoded text (a text or form body, a query string): no NUL character, which Postgres cannot store. */
export function checkStorableText(text: string, what: string): void {
  const at = text.indexOf('\u0000');
  if (at >= 0) refuse('unstorable_payload', `${what} holds a NUL character at character ${at}`);
}
