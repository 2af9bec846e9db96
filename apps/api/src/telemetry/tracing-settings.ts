// Whether this process traces, and where to, from the standard OTEL_* variables (parsed by config.ts). Off by
// default: the OpenTelemetry specification turns an SDK on with an OTLP exporter to localhost, but a server that
// nobody asked to trace should not load an SDK or send anything anywhere.
import type { Config } from '../config.js';

/** What the SDK is started with (otel-sdk.ts). */
export interface TracingSettings {
  exporter: 'otlp' | 'console';
  /** The OTLP/HTTP traces URL (…/v1/traces). */
  url: string;
  protocol: 'http/protobuf' | 'http/json';
  serviceName: string;
}

/** The specification's default endpoint of OTLP/HTTP. */
const DEFAULT_OTLP_ENDPOINT = 'http://localhost:4318';

/**
 * The tracing settings, or undefined when tracing is off: OTEL_SDK_DISABLED=true or OTEL_TRACES_EXPORTER=none
 * turn it off; else OTEL_TRACES_EXPORTER (otlp, console), OTEL_EXPORTER_OTLP_TRACES_ENDPOINT or
 * OTEL_EXPORTER_OTLP_ENDPOINT turn it on; with none of them it stays off.
 */
export function tracingSettings(config: Config): TracingSettings | undefined {
  if (config.OTEL_SDK_DISABLED || config.OTEL_TRACES_EXPORTER === 'none') return undefined;
  const endpoint = config.OTEL_EXPORTER_OTLP_ENDPOINT;
  const tracesEndpoint = config.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT;
  if (config.OTEL_TRACES_EXPORTER === undefined && endpoint === undefined && tracesEndpoint === undefined) {
    return undefined;
  }
  return {
    exporter: config.OTEL_TRACES_EXPORTER ?? 'otlp',
    // the signal's own endpoint is used as given; the general one gets the signal's path (the specification)
    url: tracesEndpoint ?? `${(endpoint ?? DEFAULT_OTLP_ENDPOINT).replace(/\/+$/, '')}/v1/traces`,
    protocol:
      config.OTEL_EXPORTER_OTLP_TRACES_PROTOCOL ?? config.OTEL_EXPORTER_OTLP_PROTOCOL ?? 'http/protobuf',
    serviceName: config.OTEL_SERVICE_NAME,
  };
}
