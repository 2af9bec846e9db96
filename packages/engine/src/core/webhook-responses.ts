// Where a run's answer to its webhook request is kept: in the state of the step that gave it, written in the
// transaction that completes the step (under the run lock, so one step per run answers), and read by the
// ingress waiting for it in whichever process took the request.
import type { Queryable, RunStatus } from '@tributary/db';
import { schema } from '@tributary/db';
import type { WebhookResponse } from '@tributary/nodes';
import { and, eq, sql } from 'drizzle-orm';

/** What a respond step keeps under `state.webhookResponse`: its answer, or the step that answered first. */
export type StoredWebhookResponse = ({ sent: true } & WebhookResponse) | { sent: false; answeredBy: string };

const S = schema.steps;
const answered = sql`${S.state} -> 'webhookResponse' ->> 'sent' = 'true'`;

/** The step of the run that answered its webhook request, if one did. */
export async function firstAnswerOf(db: Queryable, runId: string): Promise<string | undefined> {
  const [row] = await db
    .select({ id: S.id })
    .from(S)
    .where(and(eq(S.runId, runId), answered))
    .limit(1);
  return row?.id;
}

/** A run's status and, once a step answered its webhook request, that answer. */
export interface RunAnswer {
  status: RunStatus;
  response: (WebhookResponse & { stepId: string }) | undefined;
}

/** What the ingress waiting for a run's answer polls: one indexed read; undefined when the run is gone. */
export async function webhookAnswerOf(db: Queryable, runId: string): Promise<RunAnswer | undefined> {
  const [row] = await db
    .select({
      status: schema.runs.status,
      stepId: S.id,
      response: sql<StoredWebhookResponse | null>`${S.state} -> 'webhookResponse'`,
    })
    .from(schema.runs)
    .leftJoin(S, and(eq(S.runId, schema.runs.id), answered))
    .where(eq(schema.runs.id, runId))
    .limit(1);
  if (!row) return undefined;
  const stored = row.response;
  if (!stored?.sent || row.stepId === null) return { status: row.status, response: undefined };
  const { status, headers, body } = stored;
  return { status: row.status, response: { status, headers, body, stepId: row.stepId } };
}

/** How run history shows a step's answer: what was sent (the body by its size), or who answered first. */
export function responseSummary(stored: StoredWebhookResponse | null | undefined) {
  if (!stored) return undefined;
  if (!stored.sent) return { sent: false as const, answeredBy: stored.answeredBy };
  return {
    sent: true as const,
    status: stored.status,
    headers: stored.headers,
    bodyBytes: Buffer.byteLength(stored.body),
  };
}
