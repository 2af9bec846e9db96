// OpenTelemetry tracing of the process: started from the standard OTEL_* variables, and only then loaded.
import type { Config } from '../config.js';
import type { StartedSdk } from './otel-sdk.js';
import { tracingSettings } from './tracing-settings.js';

export type { StartedSdk } from './otel-sdk.js';
export type { TracingSettings } from './tracing-settings.js';
export { tracingSettings } from './tracing-settings.js';

/**
 * Starts tracing when the configuration asks for it (tracingSettings), or returns undefined — without loading
 * the SDK: spans then go to the API's no-op tracer and the engine makes none.
 */
export async function startTelemetry(config: Config): Promise<StartedSdk | undefined> {
  const settings = tracingSettings(config);
  if (!settings) return undefined;
  const { startSdk } = await import('./otel-sdk.js');
  return startSdk(settings);
}
