// Field labels as people read them: the editor's form and the validation messages name a field the same way.
// Browser-safe and dependency-free (the editor imports it as `@tributary/flow/labels`).

const ACRONYMS: Record<string, string> = { url: 'URL', ms: '(ms)', id: 'ID', http: 'HTTP', json: 'JSON' };

/** `timeoutMs` → "Timeout (ms)", `sendIdempotencyKey` → "Send idempotency key". */
export function humanize(key: string): string {
  const words = key
    .replace(/([a-z0-9])([A-Z])/g, '$1 $2')
    .replace(/[_-]+/g, ' ')
    .trim()
    .split(/\s+/)
    .map((w) => ACRONYMS[w.toLowerCase()] ?? w.toLowerCase());
  const text = words.join(' ');
  return text.charAt(0).toUpperCase() + text.slice(1);
}

/**
 * The label of a value inside a node's config or a flow: `["auth", "credential"]` → "Auth → Credential",
 * `["headers", 2]` → "Headers → item 3" (people count from one).
 */
export function fieldLabel(path: readonly PropertyKey[]): string {
  return path
    .map((segment) => (typeof segment === 'number' ? `item ${segment + 1}` : humanize(String(segment))))
    .join(' → ');
}
