// tributary backfill <slug> --from <time>: replay the stored events of a time range into a published version of
// the flow (POST /flows/{id}/backfill), and with --wait follow its progress until it ends.
import type { ApiBackfill } from '../api-types.js';
import type { CommandContext } from '../context.js';
import { CliError, UsageError } from '../errors.js';
import { FlowIndex } from '../format.js';

/** The options of backfill. */
export interface BackfillOptions {
  from: string;
  to?: string;
  /** --flow-version (`--version` prints the CLI's own). */
  flowVersion?: number;
  filter?: string;
  name?: string[];
  maxInFlight?: number;
  wait?: boolean;
}

/** How often --wait asks for progress. */
const POLL_MS = 1000;

/** A time option as the API takes it (ISO 8601 with an offset); a value no date parses is a usage error. */
function isoTime(option: string, value: string): string {
  const at = new Date(value);
  if (Number.isNaN(at.getTime())) {
    throw new UsageError(`${option} "${value}" is not a time (e.g. 2026-12-01T00:00:00Z)`);
  }
  return at.toISOString();
}

/** One line of progress for people. */
export function progressText(b: ApiBackfill): string {
  const parts = [
    `${b.scanned}/${b.total} events looked at`,
    `${b.started} runs started`,
    `${b.succeeded} succeeded`,
    `${b.failed} failed`,
    `${b.open} open`,
  ];
  if (b.skipped > 0)
    parts.push(`${b.skipped} skipped${b.filterErrors > 0 ? ` (${b.filterErrors} filter errors)` : ''}`);
  return parts.join(', ');
}

/** Runs backfill. */
export async function backfill(ctx: CommandContext, slug: string, options: BackfillOptions): Promise<void> {
  const body = {
    from: isoTime('--from', options.from),
    to: options.to === undefined ? new Date().toISOString() : isoTime('--to', options.to),
    ...(options.flowVersion === undefined ? {} : { version: options.flowVersion }),
    ...(options.maxInFlight === undefined ? {} : { maxInFlight: options.maxInFlight }),
    ...(options.filter === undefined && options.name === undefined
      ? {}
      : {
          filter: {
            ...(options.name === undefined ? {} : { names: options.name }),
            ...(options.filter === undefined ? {} : { condition: options.filter }),
          },
        }),
  };
  const api = await ctx.api();
  const flows = await FlowIndex.load(api);
  let current = await api.post<ApiBackfill>(`/flows/${flows.id(slug)}/backfill`, body);
  const { c } = ctx.out;
  ctx.out.line(
    `Backfill ${current.id} started: ${current.total} events of ${slug} from ${current.from} to ${current.to} into version ${current.version}.`,
  );
  if (!options.wait) {
    ctx.out.line(c.dim(`progress: GET /api/v1/backfills/${current.id}`));
    ctx.out.result(current);
    return;
  }
  const progress = ctx.out.progress(progressText(current));
  try {
    while (current.status === 'running') {
      await new Promise((resolve) => setTimeout(resolve, POLL_MS));
      current = await api.get<ApiBackfill>(`/backfills/${current.id}`);
      progress.update(progressText(current));
    }
  } finally {
    progress.stop();
  }
  ctx.out.line(
    `${current.status === 'done' ? c.green('done') : c.red(current.status)}: ${progressText(current)}`,
  );
  ctx.out.result(current);
  if (current.status !== 'done') {
    throw new CliError(
      `backfill ${current.id} ended ${current.status}${current.error ? `: ${current.error}` : ''}`,
    );
  }
}
