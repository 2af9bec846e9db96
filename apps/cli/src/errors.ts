// The CLI's failures and the exit code each one ends the process with: 1 for a problem with the flows or
// the API, 2 for a command used the wrong way.
import type { Problem } from '@tributary/flow';

/** A problem in one file, located by JSON path. */
export interface FileProblem extends Problem {
  file: string;
}

/** Something went wrong doing what was asked (validation, the API, a file): exit code 1. */
export class CliError extends Error {
  readonly exitCode: 1 | 2 = 1;
  /** Problems located in files or flow documents, printed one per line. */
  readonly problems: readonly FileProblem[];
  constructor(message: string, options?: ErrorOptions & { problems?: readonly FileProblem[] }) {
    super(message, options);
    this.name = new.target.name;
    this.problems = options?.problems ?? [];
  }
}

/** The command was used the wrong way (unknown option, missing argument, no API key): exit code 2. */
export class UsageError extends CliError {
  override readonly exitCode = 2;
}

/** A problem+json answer (or an unreadable one) from the API. */
export class ApiError extends CliError {
  readonly status: number;
  /** The problem's stable `code`, when the API sent one. */
  readonly code: string | undefined;
  /** The problems the API listed (422), with JSON paths into the document sent. */
  readonly apiProblems: readonly Problem[];
  constructor(
    message: string,
    status: number,
    code: string | undefined,
    apiProblems: readonly Problem[] = [],
    options?: ErrorOptions,
  ) {
    super(message, options);
    this.status = status;
    this.code = code;
    this.apiProblems = apiProblems;
  }
}

/** The message of anything thrown. */
export function messageOf(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

/** The `code` of a Node system error (`ENOENT`, `ECONNREFUSED`, …), if it has one. */
export function systemCode(err: unknown): string | undefined {
  if (typeof err !== 'object' || err === null || !('code' in err)) return undefined;
  return typeof err.code === 'string' ? err.code : undefined;
}
