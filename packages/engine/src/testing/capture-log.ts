// A logger whose lines stay in memory, for tests that check what was logged and that no secret was.
import { Writable } from 'node:stream';
import { createLogger, type Logger } from '../core/index.js';

/** One log line parsed: pino's level number and message, and the fields the call carried. */
export interface LogRecord {
  level: number;
  msg?: string;
  [field: string]: unknown;
}

/** What captureLog gives a test. */
export interface CapturedLog {
  logger: Logger;
  /** The raw text of each line written, newline included; a test may empty it to start afresh. */
  lines: string[];
  /** The lines parsed as JSON. */
  records(): LogRecord[];
}

/** A logger at `level` that keeps every line it writes in `lines`. */
export function captureLog(level: string): CapturedLog {
  const lines: string[] = [];
  // pino writes each line in one write() call and Writable passes each call on whole, so an entry is never
  // part of a line
  const destination = new Writable({
    write(chunk, _encoding, done) {
      lines.push(String(chunk));
      done();
    },
  });
  return {
    logger: createLogger({ level, destination }),
    lines,
    records: () => lines.map((line): LogRecord => JSON.parse(line)),
  };
}
