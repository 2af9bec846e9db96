// The shapes of the API answers the CLI reads, all taken from the API's OpenAPI document: openapi.gen.ts is
// generated from the server's zod schemas (`npm run generate -w @tributary/cli`, run by the CLI's build and by
// `npm run lint`), so a change on the server fails the CLI's type check instead of drifting from a copy here.
import type { JsonObject } from './canonical.js';
import type { components } from './openapi.gen.js';

type Schemas = components['schemas'];

/** The document has a flow definition as "an object"; the CLI reads and writes it as JSON. */
type WithJson<T, K extends keyof T> = Omit<T, K> & { [P in K]: JsonObject };

/** GET /api/v1/flows item. */
export type ApiFlow = WithJson<Schemas['Flow'], 'draft'>;
/** GET /api/v1/flows/{id}/versions item. */
export type ApiFlowVersion = WithJson<Schemas['FlowVersion'], 'definition'>;
/** GET /api/v1/credentials item. */
export type ApiCredential = Schemas['Credential'];
/** One attempt at a step. */
export type ApiAttempt = Schemas['Attempt'];
/** GET /api/v1/runs item. */
export type ApiRunSummary = Schemas['RunSummary'];
/** A step of a run. */
export type ApiStep = Schemas['Step'];
/** GET /api/v1/runs/{id}. */
export type ApiRun = Schemas['Run'];
/** GET /api/v1/dead-letters item. */
export type ApiDeadLetter = Schemas['DeadLetter'];
/** A backfill and its progress (GET /backfills/{id}). */
export type ApiBackfill = Schemas['Backfill'];

/** One page of a list (every list of the API answers so). */
export interface ApiPage<T> {
  items: T[];
  nextCursor: string | null;
}
