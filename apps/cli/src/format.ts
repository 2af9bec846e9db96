// Small formatters for tables: times, durations, errors, flow slugs by id.
import type { ApiClient } from './api-client.js';
import type { ApiFlow } from './api-types.js';
import { CliError } from './errors.js';

/** An ISO time as `2026-12-03 05:45:12` (UTC), or `-`. */
export function time(iso: string | null | undefined): string {
  if (!iso) return '-';
  const date = new Date(iso);
  return Number.isNaN(date.getTime()) ? iso : date.toISOString().replace('T', ' ').slice(0, 19);
}

/** A duration between two times, or of milliseconds, as `1.2 s` / `340 ms`, or `-`. */
export function duration(ms: number | null | undefined): string {
  if (ms === null || ms === undefined || Number.isNaN(ms)) return '-';
  return ms >= 1000 ? `${(ms / 1000).toFixed(1)} s` : `${Math.round(ms)} ms`;
}

/** Milliseconds between two ISO times, if both are set. */
export function between(start: string | null, end: string | null): number | null {
  if (!start || !end) return null;
  return new Date(end).getTime() - new Date(start).getTime();
}

/** An error value of the API (`{code, message}` or anything) as one short line. */
export function errorText(error: unknown, max = 80): string {
  if (error === null || error === undefined) return '';
  let text: string;
  if (typeof error === 'object' && 'message' in error && typeof error.message === 'string') {
    const code = 'code' in error && typeof error.code === 'string' ? `${error.code}: ` : '';
    text = `${code}${error.message}`;
  } else text = typeof error === 'string' ? error : JSON.stringify(error);
  const line = text.replace(/\s+/g, ' ');
  return line.length > max ? `${line.slice(0, max - 1)}…` : line;
}

/** The flows of the instance by id and by slug (for showing slugs and filtering by them). */
export class FlowIndex {
  readonly #byId: Map<string, ApiFlow>;
  readonly #bySlug: Map<string, ApiFlow>;

  private constructor(flows: readonly ApiFlow[]) {
    this.#byId = new Map(flows.map((f) => [f.id, f]));
    this.#bySlug = new Map(flows.map((f) => [f.slug, f]));
  }

  static async load(api: ApiClient): Promise<FlowIndex> {
    return new FlowIndex((await api.get<{ items: ApiFlow[] }>('/flows')).items);
  }

  /** The slug of a flow id (the id itself for a flow since deleted). */
  slug(id: string): string {
    return this.#byId.get(id)?.slug ?? id;
  }

  /** The id of a slug; an unknown slug is an error naming it. */
  id(slug: string): string {
    const flow = this.#bySlug.get(slug);
    if (!flow) throw new CliError(`no flow with the slug "${slug}"`);
    return flow.id;
  }
}
