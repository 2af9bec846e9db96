// What the config form passes down to its custom widgets through RJSF's formContext.
import type { Completion } from './completions';

export interface ConfigFormContext {
  completions: readonly Completion[];
}

/** Reads the form context from a widget's registry (RJSF types it as `any`). */
export function completionsOf(formContext: unknown): readonly Completion[] {
  const context = formContext as Partial<ConfigFormContext> | undefined;
  return context?.completions ?? [];
}
