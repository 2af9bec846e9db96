// The secrets a step has seen, and the scrubbing of everything it leaves behind: output, error, log lines.
/** What a redacted secret reads as. */
export const REDACTED = '********';

/**
 * Secrets shorter than this are not searched for: replacing every "ab" in a step's output would mangle it and
 * say which two letters the secret holds. Credential schemas ask for longer secrets where they can.
 */
const MIN_SECRET_LENGTH = 3;

/** The secrets of one step, and the scrubbing of what the step returns, throws and logs. */
export class Redactor {
  // made by the first secret: most steps have none, and each step has a redactor
  #secrets: Set<string> | undefined;
  #pattern: RegExp | undefined;

  /** Adds a secret, with the spellings it takes when echoed in a URL or JSON text. */
  add(secret: string): void {
    if (secret.length < MIN_SECRET_LENGTH) return;
    this.#secrets ??= new Set();
    const before = this.#secrets.size;
    this.#secrets.add(secret);
    this.#secrets.add(encodeURIComponent(secret));
    this.#secrets.add(JSON.stringify(secret).slice(1, -1));
    if (this.#secrets.size !== before) this.#pattern = undefined;
  }

  /** Whether any secret was added. */
  get active(): boolean {
    return this.#secrets !== undefined;
  }

  /** The text with every secret replaced by the mask. */
  text(value: string): string {
    if (!this.#secrets) return value;
    this.#pattern ??= new RegExp(
      // longest first, so a secret that contains another is replaced whole
      [...this.#secrets]
        .sort((a, b) => b.length - a.length)
        .map((s) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'))
        .join('|'),
      'g',
    );
    return value.replace(this.#pattern, REDACTED);
  }

  /** A copy of a JSON value with secrets replaced in every string, keys included. */
  value<T>(value: T): T {
    if (!this.#secrets) return value;
    return this.#walk(value) as T;
  }

  #walk(value: unknown): unknown {
    if (typeof value === 'string') return this.text(value);
    if (Array.isArray(value)) return value.map((v) => this.#walk(v));
    if (value instanceof Uint8Array) return value;
    if (typeof value === 'object' && value !== null) {
      const out: Record<string, unknown> = {};
      for (const [k, v] of Object.entries(value)) out[this.text(k)] = this.#walk(v);
      return out;
    }
    return value;
  }

  /** The error with secrets scrubbed from its message, stack and causes (the same object when it holds none). */
  error(err: unknown, depth = 0): unknown {
    // causes can form a loop; a few levels is all any error chain here has
    if (!this.#secrets || !(err instanceof Error) || depth > 4) return err;
    err.message = this.text(err.message);
    if (err.stack) err.stack = this.text(err.stack);
    if (err.cause !== undefined) err.cause = this.error(err.cause, depth + 1);
    return err;
  }
}
