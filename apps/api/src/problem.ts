// RFC 9457 problem+json: every error answer, mapped once from the project's error classes.
import type { Problem } from '@tributary/flow';
import {
  BadRequestError,
  ConflictError,
  ForbiddenError,
  NotFoundError,
  PayloadTooLargeError,
  TributaryError,
  UnauthorizedError,
  UnavailableError,
  UnsupportedMediaTypeError,
  ValidationError,
} from '@tributary/flow';

/** The body of a problem answer. */
export interface ProblemDocument {
  type: string;
  title: string;
  status: number;
  detail: string;
  code: string;
  instance?: string;
  problems?: Problem[];
  /** Extension members of a particular problem (RFC 9457 §3.2), e.g. the tracking plan's `violations`. */
  [extension: string]: unknown;
}

const TITLES: Record<number, string> = {
  400: 'Bad Request',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'Not Found',
  405: 'Method Not Allowed',
  409: 'Conflict',
  413: 'Content Too Large',
  415: 'Unsupported Media Type',
  422: 'Unprocessable Content',
  500: 'Internal Server Error',
  502: 'Bad Gateway',
  503: 'Service Unavailable',
  504: 'Gateway Timeout',
};

/** Builds a problem answer with the right media type. */
export function problemResponse(
  status: number,
  code: string,
  detail: string,
  extra: {
    problems?: Problem[];
    headers?: Record<string, string>;
    instance?: string;
    extensions?: Record<string, unknown>;
  } = {},
): Response {
  const body: ProblemDocument = {
    ...extra.extensions,
    type: `urn:tributary:problem:${code}`,
    title: TITLES[status] ?? 'Error',
    status,
    detail,
    code,
    ...(extra.instance ? { instance: extra.instance } : {}),
    ...(extra.problems ? { problems: extra.problems } : {}),
  };
  return new Response(JSON.stringify(body), {
    status,
    headers: { 'content-type': 'application/problem+json', ...extra.headers },
  });
}

function statusOf(err: TributaryError): number {
  if (err instanceof ValidationError) return 422;
  if (err instanceof BadRequestError) return 400;
  if (err instanceof NotFoundError) return 404;
  if (err instanceof ConflictError) return 409;
  if (err instanceof UnauthorizedError) return 401;
  if (err instanceof ForbiddenError) return 403;
  if (err instanceof PayloadTooLargeError) return 413;
  if (err instanceof UnsupportedMediaTypeError) return 415;
  if (err instanceof UnavailableError) return 503;
  return 500;
}

/** Maps any thrown value to a problem answer; unknown errors become a 500 without internals. */
export function errorToProblem(err: unknown, instance?: string): { response: Response; status: number } {
  if (err instanceof TributaryError) {
    const status = statusOf(err);
    const headers: Record<string, string> = {};
    if (err instanceof UnavailableError) headers['retry-after'] = String(err.retryAfterSeconds);
    if (err instanceof UnauthorizedError) headers['www-authenticate'] = 'Bearer';
    const problems = err instanceof ValidationError ? err.problems : undefined;
    const detail = status === 500 ? 'internal error' : err.message;
    return { response: problemResponse(status, err.code, detail, { problems, headers, instance }), status };
  }
  return {
    response: problemResponse(500, 'internal_error', 'internal error; see the server log', { instance }),
    status: 500,
  };
}
