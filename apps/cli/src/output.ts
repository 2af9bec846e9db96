// What the CLI prints: tables, colour and progress for people at a terminal; one JSON document on stdout
// for machines (--json); no colour when the output is not a terminal or NO_COLOR is set.
import type { Writable } from 'node:stream';
import Table from 'cli-table3';
import pc from 'picocolors';
import yoctoSpinner from 'yocto-spinner';

/** picocolors' formatters, coloured or plain. */
export type Colors = ReturnType<typeof pc.createColors>;

/** A long operation's progress line; a no-op when nobody is watching. */
export interface Progress {
  update(text: string): void;
  stop(): void;
}

/** Streams a terminal may be behind. */
interface Stream extends Writable {
  isTTY?: boolean;
}

/** How output is shaped for this run. */
export interface OutputOptions {
  json: boolean;
  noColor: boolean;
  forceColor: boolean;
  stdout?: Stream;
  stderr?: Stream;
}

const PLAIN_CHARS = {
  top: '',
  'top-mid': '',
  'top-left': '',
  'top-right': '',
  bottom: '',
  'bottom-mid': '',
  'bottom-left': '',
  'bottom-right': '',
  left: '',
  'left-mid': '',
  mid: '',
  'mid-mid': '',
  right: '',
  'right-mid': '',
  middle: '  ',
};

/** The printer of one command run. */
export class Output {
  readonly json: boolean;
  /** Colours for stdout. */
  readonly c: Colors;
  /** Colours for stderr. */
  readonly ce: Colors;
  readonly #stdout: Stream;
  readonly #stderr: Stream;
  readonly #progressShown: boolean;
  #resultWritten = false;

  constructor(options: OutputOptions) {
    this.json = options.json;
    this.#stdout = options.stdout ?? process.stdout;
    this.#stderr = options.stderr ?? process.stderr;
    const colourOn = (stream: Stream) => !options.noColor && (options.forceColor || stream.isTTY === true);
    this.c = pc.createColors(colourOn(this.#stdout));
    this.ce = pc.createColors(colourOn(this.#stderr));
    this.#progressShown = this.#stderr.isTTY === true && !options.json;
  }

  /** A line for people on stdout; nothing in --json mode (the JSON document says it). */
  line(text = ''): void {
    if (!this.json) this.#stdout.write(`${text}\n`);
  }

  /** A remark on stderr (warnings, hints): shown in every mode, never mixed into the JSON. */
  note(text: string): void {
    this.#stderr.write(`${text}\n`);
  }

  /** A warning on stderr. */
  warn(text: string): void {
    this.note(`${this.ce.yellow('warning:')} ${text}`);
  }

  /** The machine-readable result: one JSON document on stdout, in --json mode only. */
  result(value: unknown): void {
    if (!this.json) return;
    this.#stdout.write(`${JSON.stringify(value, null, 2)}\n`);
    this.#resultWritten = true;
  }

  /** In --json mode, a failure as `{"error": …}` on stdout, unless the command already wrote its result. */
  errorResult(error: Record<string, unknown>): void {
    if (this.json && !this.#resultWritten) this.result({ error });
  }

  /** A table for people; the caller prints `result` for machines. */
  table(head: readonly string[], rows: ReadonlyArray<ReadonlyArray<string | number>>): void {
    if (this.json) return;
    if (rows.length === 0) {
      this.line(this.c.dim('(none)'));
      return;
    }
    const table = new Table({
      head: head.map((h) => this.c.bold(h)),
      chars: PLAIN_CHARS,
      style: { head: [], border: [], 'padding-left': 0, 'padding-right': 0 },
    });
    for (const row of rows) table.push(row.map(String));
    // cli-table3 pads every cell of the last column too: trailing blanks are noise in logs and diffs
    const text = table
      .toString()
      .split('\n')
      .map((l) => l.trimEnd())
      .join('\n');
    this.line(text);
  }

  /** A spinner with text on stderr while a terminal watches; silent otherwise. */
  progress(text: string): Progress {
    if (!this.#progressShown) return { update() {}, stop() {} };
    const spinner = yoctoSpinner({ text, stream: this.#stderr }).start();
    return {
      update(next) {
        spinner.text = next;
      },
      stop() {
        spinner.stop();
      },
    };
  }
}
