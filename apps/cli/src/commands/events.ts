// tributary events send <path> --data @file.json: an event to a webhook trigger (/hooks/<path>).
import { readFile } from 'node:fs/promises';
import { text as readStream } from 'node:stream/consumers';
import { errorOf } from '../api-client.js';
import type { CommandContext } from '../context.js';
import { messageOf, UsageError } from '../errors.js';

/** The options of events send. */
export interface SendOptions {
  data?: string;
  header?: string[];
  idempotencyKey?: string;
  method: string;
}

/** The body to send: inline JSON, `@file`, or `@-` for stdin; it must be JSON. */
async function body(data: string | undefined): Promise<string | undefined> {
  if (data === undefined) return undefined;
  let text = data;
  if (data === '@-') text = await readStream(process.stdin);
  else if (data.startsWith('@')) {
    try {
      text = await readFile(data.slice(1), 'utf8');
    } catch (err) {
      throw new UsageError(`--data ${data}: ${messageOf(err)}`, { cause: err });
    }
  }
  try {
    JSON.parse(text);
  } catch (err) {
    throw new UsageError(`--data is not JSON: ${messageOf(err)}`, { cause: err });
  }
  return text;
}

function headers(list: readonly string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const header of list) {
    const at = header.indexOf(':');
    if (at <= 0) throw new UsageError(`--header "${header}" must look like "Name: value"`);
    out[header.slice(0, at).trim().toLowerCase()] = header.slice(at + 1).trim();
  }
  return out;
}

/** Runs events send. */
export async function sendEvent(ctx: CommandContext, path: string, options: SendOptions): Promise<void> {
  const payload = await body(options.data);
  const extra = headers(options.header ?? []);
  if (options.idempotencyKey) extra['idempotency-key'] = options.idempotencyKey;
  if (payload !== undefined) extra['content-type'] ??= 'application/json';
  const api = await ctx.api();
  const target = `/hooks/${path.replace(/^\/+/, '')}`;
  const answer = await api.send(options.method, target, {
    ...(payload === undefined ? {} : { body: payload }),
    headers: extra,
    auth: false,
  });
  if (answer.status >= 400) throw errorOf(options.method, target, answer);
  ctx.out.result({ status: answer.status, body: answer.body });
  const { c } = ctx.out;
  const b = answer.body;
  if (typeof b === 'object' && b !== null && 'eventId' in b && 'runs' in b && Array.isArray(b.runs)) {
    const duplicate =
      'duplicate' in b && b.duplicate === true ? c.yellow(' (duplicate: the first event with this key)') : '';
    ctx.out.line(`Accepted (${answer.status}): event ${String(b.eventId)}${duplicate}`);
    for (const run of b.runs) {
      if (typeof run === 'object' && run !== null && 'id' in run) ctx.out.line(`  run ${String(run.id)}`);
    }
    if (b.runs.length === 0) ctx.out.line(c.dim('  no published flow listens on this path'));
  } else {
    ctx.out.line(`${answer.status}: ${typeof b === 'string' ? b : JSON.stringify(b, null, 2)}`);
  }
}
