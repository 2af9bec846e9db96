// OpenTelemetry spans of what a step sends out (an HTTP request, a broker publish), children of the step's span
// that the engine makes active while the node runs, and the W3C trace context (`traceparent`) the message
// carries so the receiver can join the trace. When tracing is off there is no active span (the API's no-op
// context manager answers the root context): `outboundSpan` then only calls `work`, allocating nothing.
import type { Attributes } from '@opentelemetry/api';
import { context, propagation, SpanKind, SpanStatusCode, trace } from '@opentelemetry/api';
import { TributaryError } from '@tributary/flow';

/** What the outbound span is for. */
export interface OutboundCall {
  /** The span's name (`GET`, `publish orders`: low cardinality, no ids or values). */
  name: string;
  kind: 'client' | 'producer';
  attributes: Attributes;
}

/**
 * Runs `work` under a span of its own when a step span is active (tracing on), giving it the headers to send
 * (the `traceparent`, and a `tracestate` when there is one) — or undefined when tracing is off. A thrown
 * error sets the span's status to ERROR with our own errors' message (those name an origin or a broker,
 * never a path, a body or a secret) and only the class of anything else. `statusOf` turns a result that is
 * a failure all the same (an HTTP 5xx) into its error message.
 */
export async function outboundSpan<T>(
  call: () => OutboundCall,
  work: (traceHeaders: Record<string, string> | undefined) => Promise<T>,
  statusOf?: (result: T) => { attributes?: Attributes; error?: string },
): Promise<T> {
  const active = context.active();
  const parent = trace.getSpan(active);
  if (parent === undefined || !parent.isRecording()) return work(undefined);
  const { name, kind, attributes } = call();
  const span = trace
    .getTracer('tributary')
    .startSpan(name, { kind: kind === 'client' ? SpanKind.CLIENT : SpanKind.PRODUCER, attributes }, active);
  const spanContext = trace.setSpan(active, span);
  const headers: Record<string, string> = {};
  propagation.inject(spanContext, headers);
  try {
    const result = await context.with(spanContext, () => work(headers));
    const status = statusOf?.(result);
    if (status?.attributes) span.setAttributes(status.attributes);
    if (status?.error) span.setStatus({ code: SpanStatusCode.ERROR, message: status.error });
    return result;
  } catch (err) {
    const message = err instanceof TributaryError ? err.message : 'the call failed';
    if (err instanceof TributaryError) span.setAttribute('error.type', err.code);
    span.setStatus({ code: SpanStatusCode.ERROR, message });
    throw err;
  } finally {
    span.end();
  }
}
