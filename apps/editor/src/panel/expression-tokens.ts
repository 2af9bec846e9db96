// Splits a config string into plain text and `{{ }}` expressions, and finds what is being typed at the caret.

export type Token =
  | { kind: 'text'; text: string }
  | { kind: 'brace'; text: string }
  | { kind: 'variable'; text: string }
  | { kind: 'string'; text: string }
  | { kind: 'code'; text: string };

const INNER = /(\$[A-Za-z_][A-Za-z0-9_]*)|('(?:[^'\\]|\\.)*'?|"(?:[^"\\]|\\.)*"?)/g;

function innerTokens(source: string, out: Token[]): void {
  let last = 0;
  for (const match of source.matchAll(INNER)) {
    const index = match.index ?? 0;
    if (index > last) out.push({ kind: 'code', text: source.slice(last, index) });
    out.push({ kind: match[1] !== undefined ? 'variable' : 'string', text: match[0] });
    last = index + match[0].length;
  }
  if (last < source.length) out.push({ kind: 'code', text: source.slice(last) });
}

/** Tokens for highlighting; an unclosed `{{` runs to the end (it is being typed). */
export function tokenize(text: string): Token[] {
  const out: Token[] = [];
  let position = 0;
  while (position < text.length) {
    const open = text.indexOf('{{', position);
    if (open < 0) {
      out.push({ kind: 'text', text: text.slice(position) });
      break;
    }
    if (open > position) out.push({ kind: 'text', text: text.slice(position, open) });
    out.push({ kind: 'brace', text: '{{' });
    const close = text.indexOf('}}', open + 2);
    const end = close < 0 ? text.length : close;
    innerTokens(text.slice(open + 2, end), out);
    if (close < 0) break;
    out.push({ kind: 'brace', text: '}}' });
    position = close + 2;
  }
  return out;
}

/** True when the text holds an expression. */
export function hasExpression(text: string): boolean {
  return text.includes('{{');
}

/** The path being typed at the caret inside `{{ }}` (e.g. `$json.bo`), or null outside an expression. */
export function completionContext(text: string, caret: number): { prefix: string; start: number } | null {
  const before = text.slice(0, caret);
  const open = before.lastIndexOf('{{');
  if (open < 0 || before.indexOf('}}', open) >= 0) return null;
  const match = /\$[A-Za-z0-9_.`[\]$ -]*$/.exec(before.slice(open + 2));
  if (!match) {
    // right after "{{ " offer the roots
    return /\{\{\s*$/.test(before) ? { prefix: '', start: caret } : null;
  }
  // a space ends the path unless it sits inside `back ticks`
  const raw = match[0];
  const ticks = (raw.match(/`/g) ?? []).length;
  const lastSpace = raw.lastIndexOf(' ');
  if (lastSpace >= 0 && ticks % 2 === 0) {
    const tail = raw.slice(lastSpace + 1);
    return tail.startsWith('$') ? { prefix: tail, start: caret - tail.length } : null;
  }
  return { prefix: raw, start: caret - raw.length };
}

/** The text with `[start, caret)` replaced by `path`, and where the caret goes. */
export function applyCompletion(
  text: string,
  start: number,
  caret: number,
  path: string,
): { text: string; caret: number } {
  const next = text.slice(0, start) + path + text.slice(caret);
  return { text: next, caret: start + path.length };
}
