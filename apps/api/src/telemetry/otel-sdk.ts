// The OpenTelemetry SDK of a process that traces: a tracer provider registered as the global one (with the
// AsyncLocalStorage context manager and the W3C trace-context propagator), a batch span processor and the
// exporter the settings name. Imported dynamically by telemetry.ts, only when tracing is on, so a process that
// does not trace never loads it.
import { trace } from '@opentelemetry/api';
import { OTLPTraceExporter as JsonExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { OTLPTraceExporter as ProtobufExporter } from '@opentelemetry/exporter-trace-otlp-proto';
import {
  defaultResource,
  detectResources,
  envDetector,
  resourceFromAttributes,
} from '@opentelemetry/resources';
import type { IdGenerator, SpanExporter } from '@opentelemetry/sdk-trace-base';
import { BatchSpanProcessor, ConsoleSpanExporter, RandomIdGenerator } from '@opentelemetry/sdk-trace-base';
import { NodeTracerProvider } from '@opentelemetry/sdk-trace-node';
import { ATTR_SERVICE_NAME } from '@opentelemetry/semantic-conventions';
import type { Tracing } from '@tributary/engine';
import type { TracingSettings } from './tracing-settings.js';

/** A started SDK: what the engine emits to, and how to flush and stop it. */
export interface StartedSdk {
  tracing: Tracing;
  /** Exports what is buffered now. */
  flush(): Promise<void>;
  /** Exports what is buffered and stops; the process's last word. */
  shutdown(): Promise<void>;
}

/**
 * Random ids, except for the one span started inside `withIds`: a run span emitted when the run ends gets
 * the ids stored when it began (engine core/tracing.ts). The SDK's tracer draws a span's id (and, for a root
 * span, its trace id) synchronously in startSpan, so a slot read once is enough.
 */
class StoredIdGenerator implements IdGenerator {
  readonly #random = new RandomIdGenerator();
  #next: { traceId: string; spanId: string } | undefined;

  generateTraceId(): string {
    return this.#next?.traceId ?? this.#random.generateTraceId();
  }

  generateSpanId(): string {
    return this.#next?.spanId ?? this.#random.generateSpanId();
  }

  withIds<T>(ids: { traceId: string; spanId: string }, start: () => T): T {
    this.#next = ids;
    try {
      return start();
    } finally {
      this.#next = undefined;
    }
  }
}

function exporterOf(settings: TracingSettings): SpanExporter {
  if (settings.exporter === 'console') return new ConsoleSpanExporter();
  // headers, time-out and compression come from OTEL_EXPORTER_OTLP_* as the exporters read them
  return settings.protocol === 'http/json'
    ? new JsonExporter({ url: settings.url })
    : new ProtobufExporter({ url: settings.url });
}

/** Starts the SDK and registers it as the process's global tracer provider. */
export function startSdk(settings: TracingSettings): StartedSdk {
  const ids = new StoredIdGenerator();
  // OTEL_SERVICE_NAME (parsed into settings) and OTEL_RESOURCE_ATTRIBUTES (envDetector) name the process
  const resource = defaultResource()
    .merge(detectResources({ detectors: [envDetector] }))
    .merge(resourceFromAttributes({ [ATTR_SERVICE_NAME]: settings.serviceName }));
  const provider = new NodeTracerProvider({
    resource,
    idGenerator: ids,
    spanProcessors: [new BatchSpanProcessor(exporterOf(settings))],
  });
  provider.register();
  return {
    tracing: {
      tracer: trace.getTracer('tributary'),
      withIds: (stored, start) => ids.withIds(stored, start),
    },
    flush: () => provider.forceFlush(),
    shutdown: () => provider.shutdown(),
  };
}
