// Small Markdown builders for the node docs: escaped text, table cells, tables and JSON blocks.

/**
 * Prose from a definition as Markdown: outside code spans `<`, `>` and `*` are escaped (a description's
 * "Bearer <token>" is no HTML tag, a cron "* * *" no emphasis); line breaks become spaces.
 */
export function text(value: string): string {
  return value
    .replace(/\s*\n\s*/g, ' ')
    .split(/(`[^`]*`)/)
    .map((part, index) =>
      index % 2 === 1 ? part : part.replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/\*/g, '\\*'),
    )
    .join('');
}

/** Text for a table cell: a `|` (even inside code) would end the cell. */
export function cell(value: string): string {
  return value.replace(/\|/g, '\\|');
}

/**
 * A GitHub-flavoured table with its columns padded to one width, as Biome formats Markdown tables; cells are
 * used as given (build them with {@link cell}).
 */
export function table(headers: readonly string[], rows: readonly (readonly string[])[]): string {
  const widths = headers.map((header, column) =>
    Math.max(3, width(header), ...rows.map((row) => width(row[column] ?? ''))),
  );
  const line = (cells: readonly string[]) =>
    `| ${widths.map((w, column) => pad(cells[column] ?? '', w)).join(' | ')} |`;
  return [line(headers), line(widths.map((w) => '-'.repeat(w))), ...rows.map(line)].join('\n');
}

/** Width of a cell in characters (code points, so "’" and "→" count once). */
function width(value: string): number {
  return [...value].length;
}

function pad(value: string, to: number): string {
  return value + ' '.repeat(to - width(value));
}

/** A fenced JSON block. */
export function jsonBlock(value: unknown): string {
  return ['```json', JSON.stringify(value, null, 2), '```'].join('\n');
}

/** Joins sections with one blank line between them and ends the file with a newline. */
export function document(sections: readonly (string | undefined)[]): string {
  return `${sections.filter((section): section is string => section !== undefined && section !== '').join('\n\n')}\n`;
}

/** The first sentence of a description (up to a full stop followed by a capital letter, or the end). */
export function firstSentence(value: string): string {
  const match = /^(.*?[.!?])\s+[A-Z]/s.exec(value);
  return match?.[1] ?? value;
}
