// Dead letters: steps that could not succeed, kept with their input and error — listed, one by one, and
// grouped by how they failed (redrive is in control/).
import type { DeadLetterStatus, Queryable } from '@tributary/db';
import { schema } from '@tributary/db';
import { NotFoundError } from '@tributary/flow';
import type { SQL } from 'drizzle-orm';
import { and, desc, eq, gte, lt, sql } from 'drizzle-orm';
import type { PageQuery } from './page.js';
import { keysetPage } from './page.js';

/** Dead letters of test runs of a draft (negative versions): left out unless asked for. */
export type TestRunFilter = 'exclude' | 'include' | 'only';

export interface DeadLetterQuery extends PageQuery {
  flowId?: string | undefined;
  status?: DeadLetterStatus | undefined;
  tests?: TestRunFilter | undefined;
}

/** The condition for `tests` (default: production dead letters only). */
function testRuns(tests: TestRunFilter | undefined): SQL | undefined {
  if (tests === 'include') return undefined;
  return tests === 'only' ? lt(schema.deadLetters.version, 0) : gte(schema.deadLetters.version, 0);
}

const columns = {
  id: schema.deadLetters.id,
  flowId: schema.deadLetters.flowId,
  runId: schema.deadLetters.runId,
  stepId: schema.deadLetters.stepId,
  nodeId: schema.deadLetters.nodeId,
  version: schema.deadLetters.version,
  /** From a test run of a draft. */
  test: sql<boolean>`${schema.deadLetters.version} < 0`,
  status: schema.deadLetters.status,
  input: schema.deadLetters.input,
  error: schema.deadLetters.error,
  attempts: schema.deadLetters.attempts,
  redriveStepId: schema.deadLetters.redriveStepId,
  createdAt: schema.deadLetters.createdAt,
  redrivenAt: schema.deadLetters.redrivenAt,
};

/** Dead letters newest first. */
export async function listDeadLetters(db: Queryable, query: DeadLetterQuery) {
  const conditions = [
    query.flowId ? eq(schema.deadLetters.flowId, query.flowId) : undefined,
    query.status ? eq(schema.deadLetters.status, query.status) : undefined,
    testRuns(query.tests),
  ];
  return keysetPage(query, schema.deadLetters.id, conditions, (where, orderBy, limit) =>
    db.select(columns).from(schema.deadLetters).where(where).orderBy(orderBy).limit(limit),
  );
}

/** One dead letter. */
export async function getDeadLetter(db: Queryable, id: string) {
  const [row] = await db.select(columns).from(schema.deadLetters).where(eq(schema.deadLetters.id, id));
  if (!row) throw new NotFoundError(`dead letter ${id} does not exist`);
  return row;
}

/** Dead letters that failed the same way at the same node. */
export interface DeadLetterGroup {
  signature: string;
  flowId: string;
  nodeId: string;
  code: string;
  /** The error message with numbers, ids and quoted values folded, so similar failures group together. */
  message: string;
  /** The newest member's own message, as it was: what people read (the folded one is for grouping). */
  example: string;
  count: number;
  latestAt: Date;
  /** Ids of the group's dead letters, newest first (at most 500). */
  ids: string[];
}

/** Folds the variable parts of an error message: ids, numbers and quoted strings. */
export function messageShape(message: string): string {
  return message
    .replace(/[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/gi, '<id>')
    .replace(/"[^"]*"|'[^']*'/g, '<text>')
    .replace(/\d+(?:\.\d+)?/g, '<n>')
    .slice(0, 300);
}

const GROUP_SCAN_LIMIT = 10_000;

/** Groups dead letters by flow, node, error code and message shape, largest group first. */
export async function groupDeadLetters(
  db: Queryable,
  query: Pick<DeadLetterQuery, 'flowId' | 'status' | 'tests'>,
): Promise<DeadLetterGroup[]> {
  const conditions = [eq(schema.deadLetters.status, query.status ?? 'pending')];
  if (query.flowId) conditions.push(eq(schema.deadLetters.flowId, query.flowId));
  const tests = testRuns(query.tests);
  if (tests) conditions.push(tests);
  const rows = await db
    .select({
      id: schema.deadLetters.id,
      flowId: schema.deadLetters.flowId,
      nodeId: schema.deadLetters.nodeId,
      error: schema.deadLetters.error,
      createdAt: schema.deadLetters.createdAt,
    })
    .from(schema.deadLetters)
    .where(and(...conditions))
    .orderBy(desc(schema.deadLetters.id))
    .limit(GROUP_SCAN_LIMIT);
  const groups = new Map<string, DeadLetterGroup>();
  for (const row of rows) {
    // dead letters are only written by giveUpStep with a StepError
    const error = row.error as { code?: string; message?: string };
    const code = error.code ?? 'unknown';
    const message = messageShape(error.message ?? '');
    const signature = `${row.flowId}|${row.nodeId}|${code}|${message}`;
    const group = groups.get(signature);
    if (group) {
      group.count += 1;
      if (group.ids.length < 500) group.ids.push(row.id);
    } else {
      groups.set(signature, {
        signature,
        flowId: row.flowId,
        nodeId: row.nodeId,
        code,
        message,
        example: (error.message ?? '').slice(0, 300),
        count: 1,
        latestAt: row.createdAt,
        ids: [row.id],
      });
    }
  }
  return [...groups.values()].sort((a, b) => b.count - a.count);
}
