// OpenTelemetry spans of the engine: ingest → run → each step attempt. Off unless the process gives the engine
// a Tracing (apps/api starts the SDK only when the OTEL_* variables ask for it): then `ctx.tracing` is
// undefined and every function here returns at its first line, so nothing is allocated on the hot paths.
//
// A run outlives the request that started it and its steps run in any worker process, often much later (after
// a retry, a delay, a wait). So the run span cannot be one open span object: when the run starts its ids are
// drawn (by the SDK, which also decides sampling) and stored on the run row (`runs.trace`); every step span,
// in whichever process, is a child of those stored ids; and the transaction that ends the run emits the run
// span once, with the stored ids and the run's start time (Tracing.withIds has the SDK hand out the stored
// ids to that span).
import type { Attributes, Context, Span, SpanContext, Tracer } from '@opentelemetry/api';
import { context, propagation, ROOT_CONTEXT, SpanKind, SpanStatusCode, trace } from '@opentelemetry/api';
import type { RunTrace } from '@tributary/db';
import { TributaryError } from '@tributary/flow';

/** What the engine needs of a started OpenTelemetry SDK. */
export interface Tracing {
  tracer: Tracer;
  /**
   * Calls `start`, in which the SDK's id generator hands out `ids` (trace id and span id) to the one span
   * `start` starts: how a run span gets the ids stored when the run began.
   */
  withIds<T>(ids: { traceId: string; spanId: string }, start: () => T): T;
}

/** Span attribute names (OpenTelemetry's naming rules: a namespace of our own, dot-separated). */
export const SPAN_ATTRIBUTES = {
  flowId: 'tributary.flow.id',
  flowSlug: 'tributary.flow.slug',
  flowVersion: 'tributary.flow.version',
  runId: 'tributary.run.id',
  runStatus: 'tributary.run.status',
  eventId: 'tributary.event.id',
  stepId: 'tributary.step.id',
  nodeId: 'tributary.node.id',
  nodeType: 'tributary.node.type',
  attempt: 'tributary.step.attempt',
  inline: 'tributary.step.inline',
  outcome: 'tributary.step.outcome',
  errorCode: 'tributary.error.code',
} as const;

/** The stored ids as the parent context of a span made in another process (or later). */
function remoteParent(traceId: string, spanId: string, flags: number): Context {
  const parent: SpanContext = { traceId, spanId, traceFlags: flags, isRemote: true };
  return trace.setSpanContext(ROOT_CONTEXT, parent);
}

/**
 * The ids of the span of a run starting now, a child of the active span (the ingest span, the step that
 * calls a sub-flow or whose failure starts an error flow), to store on the run; undefined when tracing is
 * off or the trace is not sampled. The span started here only draws the ids and the sampling decision: it is
 * never ended (nothing is exported for it); endRunSpan emits the run span.
 */
export function startRunTrace(tracing: Tracing | undefined): RunTrace | undefined {
  if (!tracing) return undefined;
  const parent = context.active();
  const probe = tracing.tracer.startSpan('run', undefined, parent);
  if (!probe.isRecording()) return undefined;
  const { traceId, spanId, traceFlags } = probe.spanContext();
  const parentSpanId = trace.getSpanContext(parent)?.spanId;
  return { traceId, spanId, flags: traceFlags, ...(parentSpanId ? { parentSpanId } : {}) };
}

/** What emitting a run span needs of the run. */
export interface TracedRun {
  id: string;
  flowId: string;
  version: number;
  /** As stored; a raw statement may hand jsonb over as its text. */
  trace: RunTrace | string | null;
  /** When it was accepted: the run span's start. */
  createdAt: Date | string;
}

/** Emits the span of a run that has just ended `status` (once: by the transaction that ended it). */
export function endRunSpan(
  tracing: Tracing | undefined,
  run: TracedRun,
  status: string,
  endTime: Date = new Date(),
): void {
  if (!tracing || !run.trace) return;
  // written by startRunTrace only: the shape is ours
  const stored = (typeof run.trace === 'string' ? JSON.parse(run.trace) : run.trace) as RunTrace;
  const { traceId, spanId, flags, parentSpanId } = stored;
  const parent = parentSpanId ? remoteParent(traceId, parentSpanId, flags) : ROOT_CONTEXT;
  const span = tracing.withIds({ traceId, spanId }, () =>
    tracing.tracer.startSpan(
      'run',
      {
        startTime: new Date(run.createdAt),
        attributes: {
          [SPAN_ATTRIBUTES.runId]: run.id,
          [SPAN_ATTRIBUTES.flowId]: run.flowId,
          [SPAN_ATTRIBUTES.flowVersion]: run.version,
          [SPAN_ATTRIBUTES.runStatus]: status,
        },
      },
      parent,
    ),
  );
  if (status === 'failed')
    span.setStatus({ code: SpanStatusCode.ERROR, message: 'a step of the run is dead' });
  span.end(endTime);
}

/** What a step span names: its flow, run, step and node. */
export interface TracedStep {
  flow: { flowId: string; version: number; definition: { slug: string } };
  run: { id: string; trace?: RunTrace | null | undefined };
  node: { id: string };
  type: { type: string };
  step: { id: string; attempts: readonly unknown[] };
}

/**
 * Starts the span of one step attempt, a child of its run's span; undefined when tracing is off or the run
 * has no trace (it started while tracing was off). Run the attempt in `withSpan` so what it calls out to
 * (HTTP, brokers, a sub-flow or error flow it starts) hangs below it, and end it with `endStepSpan`.
 */
export function startStepSpan(
  tracing: Tracing | undefined,
  { flow, run, node, type, step }: TracedStep,
  inline: boolean,
  startTime?: Date,
): Span | undefined {
  if (!tracing || !run.trace) return undefined;
  const { traceId, spanId, flags } = run.trace;
  const attributes: Attributes = {
    [SPAN_ATTRIBUTES.flowId]: flow.flowId,
    [SPAN_ATTRIBUTES.flowSlug]: flow.definition.slug,
    [SPAN_ATTRIBUTES.flowVersion]: flow.version,
    [SPAN_ATTRIBUTES.runId]: run.id,
    [SPAN_ATTRIBUTES.stepId]: step.id,
    [SPAN_ATTRIBUTES.nodeId]: node.id,
    [SPAN_ATTRIBUTES.nodeType]: type.type,
    [SPAN_ATTRIBUTES.attempt]: step.attempts.length,
    [SPAN_ATTRIBUTES.inline]: inline,
  };
  return tracing.tracer.startSpan(
    `step ${type.type}`,
    { attributes, ...(startTime ? { startTime } : {}) },
    remoteParent(traceId, spanId, flags),
  );
}

/** Runs `work` in `trace` (a caller's context carried into a group commit); undefined: runs it as it is. */
export function withContext<T>(trace: Context | undefined, work: () => T): T {
  return trace ? context.with(trace, work) : work();
}

/** A run row as prepared at ingest, as endRunSpan takes it. */
export function toTraced(run: {
  id: string;
  flowId: string;
  version: number;
  trace?: RunTrace | null | undefined;
  createdAt?: Date | string | null | undefined;
}): TracedRun {
  return { ...run, trace: run.trace ?? null, createdAt: run.createdAt ?? new Date() };
}

/** Runs `work` with `span` as the active span (undefined: runs it as it is). */
export function withSpan<T>(span: Span | undefined, work: () => T): T {
  if (!span) return work();
  return context.with(trace.setSpan(context.active(), span), work);
}

/**
 * Ends a step span with its outcome; an error (as stored on the attempt: classified and redacted) makes its
 * status ERROR with the error's message.
 */
export function endStepSpan(
  span: Span,
  outcome: string,
  error?: { code: string; message: string } | undefined,
): void {
  span.setAttribute(SPAN_ATTRIBUTES.outcome, outcome);
  if (error) {
    span.setAttribute(SPAN_ATTRIBUTES.errorCode, error.code);
    span.setStatus({ code: SpanStatusCode.ERROR, message: error.message });
  }
  span.end();
}

/** The span of an ingest request and the context to accept its event in. */
export interface IngestSpan {
  span: Span;
  context: Context;
}

/**
 * Starts the span of an ingest request (`ingest webhook`, `ingest tracking`), a child of the W3C trace
 * context the request carries (its `traceparent` and `tracestate` headers, read by `header`), if any.
 */
export function startIngestSpan(
  tracing: Tracing,
  name: string,
  header: (name: string) => string | undefined,
  attributes: Attributes,
): IngestSpan {
  const parent = propagation.extract(ROOT_CONTEXT, header, {
    keys: () => ['traceparent', 'tracestate'],
    get: (read, key) => read(key),
  });
  const span = tracing.tracer.startSpan(name, { kind: SpanKind.SERVER, attributes }, parent);
  return { span, context: trace.setSpan(parent, span) };
}

/**
 * Ends an ingest span: ERROR when the request was refused or failed, with the message of our own errors
 * (what the caller is told) and only the class of anything else.
 */
export function endIngestSpan(span: Span, error?: unknown): void {
  if (error !== undefined) {
    const message = error instanceof TributaryError ? error.message : 'the request failed';
    span.setStatus({ code: SpanStatusCode.ERROR, message });
    if (error instanceof TributaryError) span.setAttribute(SPAN_ATTRIBUTES.errorCode, error.code);
  }
  span.end();
}
