// tributary runs list|show|replay: run history and replays.
import type { ApiPage, ApiRun, ApiRunSummary } from '../api-types.js';
import type { CommandContext } from '../context.js';
import { between, duration, errorText, FlowIndex, time } from '../format.js';

/** The options of runs list. */
export interface RunsListOptions {
  flow?: string;
  status?: string;
  limit: number;
  cursor?: string;
}

/** Runs runs list. */
export async function listRuns(ctx: CommandContext, options: RunsListOptions): Promise<void> {
  const api = await ctx.api();
  const flows = await FlowIndex.load(api);
  const page = await api.get<ApiPage<ApiRunSummary>>('/runs', {
    flowId: options.flow ? flows.id(options.flow) : undefined,
    status: options.status,
    limit: options.limit,
    cursor: options.cursor,
  });
  const { c } = ctx.out;
  ctx.out.table(
    ['RUN', 'FLOW', 'VERSION', 'STATUS', 'CREATED', 'DURATION', 'ERROR'],
    page.items.map((r) => [
      r.id,
      flows.slug(r.flowId),
      r.test ? `${r.version} (test)` : r.version,
      statusText(r.status, c),
      time(r.createdAt),
      duration(between(r.startedAt, r.finishedAt)),
      errorText(r.error, 60),
    ]),
  );
  if (page.nextCursor) ctx.out.line(c.dim(`more: --cursor ${page.nextCursor}`));
  ctx.out.result(page);
}

/** A status word coloured by what it means. */
export function statusText(status: string, c: CommandContext['out']['c']): string {
  if (status === 'succeeded' || status === 'redriven') return c.green(status);
  if (status === 'failed' || status === 'dead' || status === 'pending') return c.red(status);
  if (status === 'canceled' || status === 'skipped' || status === 'discarded') return c.dim(status);
  return c.yellow(status);
}

/** Runs runs show. */
export async function showRun(ctx: CommandContext, id: string): Promise<void> {
  const api = await ctx.api();
  const run = await api.get<ApiRun>(`/runs/${encodeURIComponent(id)}`);
  const flows = await FlowIndex.load(api);
  const { c } = ctx.out;
  ctx.out.line(`${c.bold('run')}      ${run.id}${run.replayOf ? c.dim(` (replay of ${run.replayOf})`) : ''}`);
  ctx.out.line(
    `${c.bold('flow')}     ${flows.slug(run.flowId)} version ${run.version}${run.test ? ' (test run)' : ''}`,
  );
  ctx.out.line(`${c.bold('status')}   ${statusText(run.status, c)}`);
  ctx.out.line(`${c.bold('event')}    ${run.eventId}`);
  ctx.out.line(`${c.bold('created')}  ${time(run.createdAt)}, finished ${time(run.finishedAt)}`);
  if (run.error) ctx.out.line(`${c.bold('error')}    ${errorText(run.error, 200)}`);
  ctx.out.line();
  ctx.out.table(
    ['STEP', 'NODE', 'TYPE', 'STATUS', 'ATTEMPTS', 'DURATION', 'ERROR'],
    run.steps.map((s) => [
      s.id,
      s.name,
      s.type,
      statusText(s.status, c),
      s.attempts.length,
      duration(s.durationMs),
      errorText(s.error ?? s.attempts.at(-1)?.error, 60),
    ]),
  );
  ctx.out.result(run);
}

/** Runs runs replay. */
export async function replayRun(
  ctx: CommandContext,
  id: string,
  options: { currentVersion?: boolean },
): Promise<void> {
  const api = await ctx.api();
  const body = options.currentVersion ? { useCurrentVersion: true } : {};
  const replay = await api.post<{ id: string; flowId: string; version: number; replayOf: string }>(
    `/runs/${encodeURIComponent(id)}/replay`,
    body,
  );
  ctx.out.line(`Replay started: run ${replay.id} (version ${replay.version}), replaying ${replay.replayOf}.`);
  ctx.out.result(replay);
}
