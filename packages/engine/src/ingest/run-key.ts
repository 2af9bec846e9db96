// A run's keys (settings.partitionKey, throttle.key, debounce.key), worked out once when the run is accepted
// and kept on it: the run waits for, and holds, its partition key through retries and restarts.
import type { FlowSettings } from '@tributary/flow';
import { evaluateTemplate } from '@tributary/flow';
import type { EngineContext, EventView } from '../core/index.js';
import { eventScope } from '../core/index.js';

/**
 * The key a run whose key expression fails runs under. One key for all of them: such runs still run one at
 * a time, in acceptance order (or share one throttle budget, one debounce window), rather than all at once —
 * the safe side for a key meant to protect something.
 */
export const FALLBACK_KEY = '';

/** Longest key kept (an index entry must stay small); a longer value falls back like a failure. */
const MAX_KEY_LENGTH = 512;

/** The key a run runs under, and why it is the fallback key when the expression gave none. */
export interface RunKey {
  key: string;
  error: string | null;
}

/**
 * Evaluates one of the flow's key expressions for a run (`what` names it, e.g. `partition key`): `$json` is
 * the trigger's output item, `$event` the event. A string, number or boolean is the key; an object or array
 * is its JSON text; no value (null, missing, '') or a failing expression gives FALLBACK_KEY with the reason.
 */
export async function runKeyOf(
  ctx: Pick<EngineContext, 'settings'>,
  expression: string,
  event: EventView,
  item: unknown,
  what = 'partition key',
  timezone?: string,
): Promise<RunKey> {
  let value: unknown;
  try {
    value = await evaluateTemplate(
      expression,
      { event: eventScope(event), json: item },
      { timeoutMs: ctx.settings.expressionTimeoutMs, path: what, timezone },
    );
  } catch (err) {
    const message = err instanceof Error ? err.message : String(err);
    return { key: FALLBACK_KEY, error: `the ${what} expression failed (${message})` };
  }
  if (value === null || value === undefined || value === '') {
    return { key: FALLBACK_KEY, error: `the ${what} expression gave no value` };
  }
  const key = typeof value === 'object' ? JSON.stringify(value) : String(value);
  if (key.length > MAX_KEY_LENGTH) {
    return { key: FALLBACK_KEY, error: `the ${what} is longer than ${MAX_KEY_LENGTH} characters` };
  }
  return { key, error: null };
}

/** A run's key columns: its partition, throttle and debounce keys (null where the flow has none). */
export interface RunKeys {
  partitionKey: string | null;
  throttleKey: string | null;
  debounceKey: string | null;
  /** Why a key fell back to FALLBACK_KEY (each reason, `; `-joined); null when none did. */
  keyError: string | null;
}

/** Works out every key the flow's settings ask for, for one run. */
export async function runKeysOf(
  ctx: Pick<EngineContext, 'settings'>,
  {
    partitionKey,
    throttle,
    debounce,
    timezone,
  }: Pick<FlowSettings, 'partitionKey' | 'throttle' | 'debounce' | 'timezone'>,
  event: EventView,
  item: unknown,
): Promise<RunKeys> {
  const partition =
    partitionKey === undefined
      ? undefined
      : await runKeyOf(ctx, partitionKey, event, item, 'partition key', timezone);
  // a throttle without a key counts every run of the flow against one budget: the key ''
  const throttled = !throttle
    ? undefined
    : throttle.key === undefined
      ? { key: FALLBACK_KEY, error: null }
      : await runKeyOf(ctx, throttle.key, event, item, 'throttle key', timezone);
  const debounced = debounce
    ? await runKeyOf(ctx, debounce.key, event, item, 'debounce key', timezone)
    : undefined;
  const errors = [partition, throttled, debounced].flatMap((k) => (k?.error ? [k.error] : []));
  return {
    partitionKey: partition?.key ?? null,
    throttleKey: throttled?.key ?? null,
    debounceKey: debounced?.key ?? null,
    keyError: errors.length > 0 ? errors.join('; ') : null,
  };
}
