// tributary dlq list|show|redrive: dead letters, and running their steps again.
import type { ApiDeadLetter, ApiPage } from '../api-types.js';
import type { CommandContext } from '../context.js';
import { CliError, UsageError } from '../errors.js';
import { errorText, FlowIndex, time } from '../format.js';
import { statusText } from './runs.js';

/** The options of dlq list. */
export interface DlqListOptions {
  flow?: string;
  status: 'pending' | 'redriven' | 'discarded' | 'all';
  limit: number;
  cursor?: string;
}

/** Runs dlq list. */
export async function listDeadLetters(ctx: CommandContext, options: DlqListOptions): Promise<void> {
  const api = await ctx.api();
  const flows = await FlowIndex.load(api);
  const page = await api.get<ApiPage<ApiDeadLetter>>('/dead-letters', {
    flowId: options.flow ? flows.id(options.flow) : undefined,
    status: options.status === 'all' ? undefined : options.status,
    limit: options.limit,
    cursor: options.cursor,
  });
  const { c } = ctx.out;
  ctx.out.table(
    ['DEAD LETTER', 'FLOW', 'NODE', 'STATUS', 'ATTEMPTS', 'CREATED', 'ERROR'],
    page.items.map((d) => [
      d.id,
      `${flows.slug(d.flowId)} v${d.version}`,
      d.nodeId,
      statusText(d.status, c),
      d.attempts.length,
      time(d.createdAt),
      errorText(d.error, 60),
    ]),
  );
  if (page.nextCursor) ctx.out.line(c.dim(`more: --cursor ${page.nextCursor}`));
  ctx.out.result(page);
}

/** Runs dlq show. */
export async function showDeadLetter(ctx: CommandContext, id: string): Promise<void> {
  const api = await ctx.api();
  const letter = await api.get<ApiDeadLetter>(`/dead-letters/${encodeURIComponent(id)}`);
  const flows = await FlowIndex.load(api);
  const { c } = ctx.out;
  ctx.out.line(`${c.bold('dead letter')}  ${letter.id} (${statusText(letter.status, c)})`);
  ctx.out.line(
    `${c.bold('flow')}         ${flows.slug(letter.flowId)} version ${letter.version}, node ${letter.nodeId}`,
  );
  ctx.out.line(`${c.bold('run')}          ${letter.runId}, step ${letter.stepId}`);
  ctx.out.line(
    `${c.bold('created')}      ${time(letter.createdAt)}${letter.redrivenAt ? `, redriven ${time(letter.redrivenAt)}` : ''}`,
  );
  ctx.out.line(`${c.bold('error')}        ${errorText(letter.error, 300)}`);
  ctx.out.line(c.bold('attempts'));
  for (const a of letter.attempts) {
    ctx.out.line(`  ${a.n}. ${time(a.startedAt)}  ${a.error ? errorText(a.error, 120) : 'ok'}`);
  }
  ctx.out.line(c.bold('input'));
  ctx.out.line(JSON.stringify(letter.input, null, 2));
  ctx.out.result(letter);
}

/** The options of dlq redrive. */
export interface RedriveOptions {
  all?: boolean;
  flow?: string;
  currentVersion?: boolean;
}

interface RedriveResult {
  id: string;
  ok: boolean;
  stepId?: string;
  error?: { code: string; message: string };
}

/** The most ids one bulk redrive takes (the API's limit). */
const BATCH = 1000;

/** Runs dlq redrive. */
export async function redrive(ctx: CommandContext, ids: string[], options: RedriveOptions): Promise<void> {
  if (options.all && ids.length > 0) throw new UsageError('give dead letter ids or --all, not both');
  if (!options.all && ids.length === 0) throw new UsageError('give the dead letter ids to redrive, or --all');
  if (options.flow && !options.all)
    throw new UsageError('--flow picks the dead letters of --all; with ids, leave it out');
  const api = await ctx.api();
  let targets = ids;
  if (options.all) {
    const flowId = options.flow ? (await FlowIndex.load(api)).id(options.flow) : undefined;
    const listing = ctx.out.progress('listing pending dead letters');
    try {
      const letters = await api.all<ApiDeadLetter>('/dead-letters', { status: 'pending', flowId }, (n) =>
        listing.update(`listing pending dead letters (${n})`),
      );
      targets = letters.map((d) => d.id);
    } finally {
      listing.stop();
    }
  }
  const results: RedriveResult[] = [];
  const progress = ctx.out.progress(`redriving ${targets.length} dead letters`);
  try {
    for (let i = 0; i < targets.length; i += BATCH) {
      const batch = targets.slice(i, i + BATCH);
      const answer = await api.post<{ results: RedriveResult[] }>('/dead-letters/redrive', {
        ids: batch,
        ...(options.currentVersion ? { useCurrentVersion: true } : {}),
      });
      results.push(...answer.results);
      progress.update(`redriving dead letters (${results.length}/${targets.length})`);
    }
  } finally {
    progress.stop();
  }
  const failures = results.filter((r) => !r.ok);
  const { c } = ctx.out;
  for (const r of results) {
    ctx.out.line(
      r.ok
        ? `${c.green('✓')} ${r.id} → step ${r.stepId}`
        : `${c.red('✗')} ${r.id}: ${errorText(r.error, 200)}`,
    );
  }
  ctx.out.result({ redriven: results.length - failures.length, failed: failures.length, results });
  if (targets.length === 0) ctx.out.line('No pending dead letters.');
  else ctx.out.line(`Redrove ${results.length - failures.length} of ${targets.length} dead letters.`);
  if (failures.length > 0) throw new CliError(`${failures.length} dead letter(s) could not be redriven`);
}
