// The ingest span of a webhook or tracking request (engine core/tracing.ts), when the process traces: a child
// of the trace context the request carries, active while the request is handled so the runs it starts hang
// below it. Routes call it only when `ctx.tracing` is set: off, a request reads no header and allocates nothing
// for tracing.
import type { Span } from '@opentelemetry/api';
import { context } from '@opentelemetry/api';
import type { EngineContext } from '@tributary/engine';
import { endIngestSpan, startIngestSpan } from '@tributary/engine';
import type { Context } from 'hono';

/** Handles the request under an ingest span named `name` (`handle` gets the span to add to, if any). */
export function tracedIngest(
  c: Context,
  ctx: EngineContext,
  name: string,
  route: string,
  handle: (span: Span | undefined) => Promise<Response>,
): Promise<Response> {
  const { tracing } = ctx;
  if (!tracing) return handle(undefined);
  // (the routes look first; this check keeps the helper honest on its own)
  const { span, context: active } = startIngestSpan(tracing, name, (header) => c.req.header(header), {
    'http.request.method': c.req.method,
    'http.route': route,
  });
  return context
    .with(active, () => handle(span))
    .then(
      (response) => {
        span.setAttribute('http.response.status_code', response.status);
        endIngestSpan(span);
        return response;
      },
      (err: unknown) => {
        endIngestSpan(span, err);
        throw err;
      },
    );
}
