// Errors with a meaning: each has a stable `code`, and the API maps each class once to problem+json.

/** A flow-definition or input problem, located by node id and JSON path. */
export interface Problem {
  /** JSON path of the offending value, e.g. `nodes[2].config.url` or `body.name`. */
  path: string;
  message: string;
  /** The node the problem belongs to, when there is one. */
  nodeId?: string;
  code?: string;
}

/** Base class: every error the project throws on purpose. */
export class TributaryError extends Error {
  readonly code: string;
  constructor(code: string, message: string, options?: ErrorOptions) {
    super(message, options);
    this.code = code;
    this.name = new.target.name;
  }
}

/** A node failure that will not succeed by retrying (4xx, bad config, validation). */
export class FatalError extends TributaryError {
  constructor(message: string, options?: ErrorOptions & { code?: string }) {
    super(options?.code ?? 'fatal', message, options);
  }
}

/** A node failure that may succeed later (network, 5xx, 429, timeouts). */
export class RetryableError extends TributaryError {
  /** Earliest time to try again, when the peer said so (Retry-After). */
  readonly retryAfterMs: number | undefined;
  constructor(message: string, options?: ErrorOptions & { code?: string; retryAfterMs?: number }) {
    super(options?.code ?? 'retryable', message, options);
    this.retryAfterMs = options?.retryAfterMs;
  }
}

/** Input that does not pass validation; carries every problem found. */
export class ValidationError extends TributaryError {
  readonly problems: Problem[];
  constructor(message: string, problems: Problem[], options?: ErrorOptions) {
    super('validation_failed', message, options);
    this.problems = problems;
  }
}

/** Malformed request input (unparseable body, bad parameter). */
export class BadRequestError extends TributaryError {
  constructor(message: string, options?: ErrorOptions & { code?: string }) {
    super(options?.code ?? 'bad_request', message, options);
  }
}

export class NotFoundError extends TributaryError {
  constructor(message: string, options?: ErrorOptions) {
    super('not_found', message, options);
  }
}

/** The request conflicts with the current state (e.g. a unique key is taken). */
export class ConflictError extends TributaryError {
  constructor(message: string, options?: ErrorOptions & { code?: string }) {
    super(options?.code ?? 'conflict', message, options);
  }
}

export class UnauthorizedError extends TributaryError {
  constructor(message: string, options?: ErrorOptions) {
    super('unauthorized', message, options);
  }
}

export class ForbiddenError extends TributaryError {
  constructor(message: string, options?: ErrorOptions) {
    super('forbidden', message, options);
  }
}

export class PayloadTooLargeError extends TributaryError {
  constructor(message: string, options?: ErrorOptions) {
    super('payload_too_large', message, options);
  }
}

export class UnsupportedMediaTypeError extends TributaryError {
  constructor(message: string, options?: ErrorOptions) {
    super('unsupported_media_type', message, options);
  }
}

/** A dependency (Postgres, Redis) is unreachable; the caller should try again later. */
export class UnavailableError extends TributaryError {
  readonly retryAfterSeconds: number;
  constructor(message: string, options?: ErrorOptions & { retryAfterSeconds?: number }) {
    super('unavailable', message, options);
    this.retryAfterSeconds = options?.retryAfterSeconds ?? 5;
  }
}
