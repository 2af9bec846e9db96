// Splits a config string into literal text and `{{ jsonata }}` parts; `\{{` stands for a literal `{{`.

/** One piece of a template: literal text or the JSONata source between `{{` and `}}`. */
export type TemplatePart = { kind: 'text'; text: string } | { kind: 'expression'; source: string };

/** A parsed template; `whole` is set when the string is one expression and nothing but whitespace. */
export interface Template {
  parts: TemplatePart[];
  whole: boolean;
}

/** A template that cannot be split, e.g. a `{{` without its `}}`. */
export class TemplateSyntaxError extends Error {}

const OPEN = '{{';
const ESCAPED_OPEN = '\\{{';

/** Whether a string has any `{{` at all: strings without one are never templates. */
export function mayBeTemplate(value: string): boolean {
  return value.includes(OPEN);
}

/** Parses a template string; throws TemplateSyntaxError on an unterminated or empty `{{ }}`. */
export function parseTemplate(value: string): Template {
  const parts: TemplatePart[] = [];
  let text = '';
  let i = 0;
  while (i < value.length) {
    if (value.startsWith(ESCAPED_OPEN, i)) {
      text += OPEN;
      i += ESCAPED_OPEN.length;
    } else if (value.startsWith(OPEN, i)) {
      const end = findClose(value, i + OPEN.length);
      const source = value.slice(i + OPEN.length, end).trim();
      if (source === '') throw new TemplateSyntaxError(`empty expression at position ${i}`);
      if (text !== '') parts.push({ kind: 'text', text });
      text = '';
      parts.push({ kind: 'expression', source });
      i = end + 2;
    } else {
      text += value[i];
      i += 1;
    }
  }
  if (text !== '') parts.push({ kind: 'text', text });
  const expressions = parts.filter((p) => p.kind === 'expression');
  const whole =
    expressions.length === 1 && parts.every((p) => p.kind === 'expression' || p.text.trim() === '');
  return { parts, whole };
}

/**
 * Index of the `}}` that closes an expression starting at `from`. JSONata object constructors nest
 * braces (`{{ {"a": {"b": 1}} }}`), so braces are counted and string literals, backtick names and
 * comments are skipped; braces inside a regex literal must balance.
 */
function findClose(value: string, from: number): number {
  let depth = 0;
  let i = from;
  while (i < value.length) {
    const ch = value[i];
    if (ch === '"' || ch === "'" || ch === '`') {
      i = skipQuoted(value, i, ch);
    } else if (ch === '/' && value[i + 1] === '*') {
      const end = value.indexOf('*/', i + 2);
      if (end < 0) break;
      i = end + 2;
    } else if (ch === '{') {
      depth += 1;
      i += 1;
    } else if (ch === '}') {
      if (depth === 0 && value[i + 1] === '}') return i;
      depth = Math.max(0, depth - 1);
      i += 1;
    } else {
      i += 1;
    }
  }
  throw new TemplateSyntaxError(`"{{" at position ${from - OPEN.length} has no closing "}}"`);
}

/** Index just past the quoted run that starts at `start`. */
function skipQuoted(value: string, start: number, quote: string): number {
  let i = start + 1;
  while (i < value.length) {
    if (value[i] === '\\' && quote !== '`') i += 2;
    else if (value[i] === quote) return i + 1;
    else i += 1;
  }
  return i;
}
