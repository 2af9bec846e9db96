// tributary vars list|set|unset: the instance's variables, read in expressions as `$vars.NAME` — what differs
// between staging and production while the flow files stay the same.
import type { CommandContext } from '../context.js';
import { ApiError, UsageError } from '../errors.js';
import { time } from '../format.js';

interface ApiVariable {
  name: string;
  value: string;
  description: string;
  usedBy: Array<{ id: string; slug: string; name: string }>;
  updatedAt: string;
  updatedBy: string;
}

/** The widest value `vars list` prints in its table (`--json` has them whole). */
const SHOWN_VALUE_CHARS = 60;

function shown(value: string): string {
  const line = value.replace(/\s+/g, ' ');
  return line.length > SHOWN_VALUE_CHARS ? `${line.slice(0, SHOWN_VALUE_CHARS - 1)}…` : line;
}

function path(name: string): string {
  return `/variables/${encodeURIComponent(name)}`;
}

/** Runs vars list. */
export async function listVariables(ctx: CommandContext): Promise<void> {
  const api = await ctx.api();
  const { items } = await api.get<{ items: ApiVariable[] }>('/variables');
  ctx.out.table(
    ['NAME', 'VALUE', 'USED BY', 'UPDATED'],
    items.map((v) => [
      v.name,
      shown(v.value),
      v.usedBy.map((f) => f.slug).join(', ') || '-',
      time(v.updatedAt),
    ]),
  );
  ctx.out.result({ items });
}

/** The options of vars set. */
export interface SetVariableOptions {
  description?: string;
}

/** Runs vars set: creates the variable or changes its value (and description when given). */
export async function setVariable(
  ctx: CommandContext,
  name: string,
  value: string,
  options: SetVariableOptions,
): Promise<void> {
  if (name.startsWith('$'))
    throw new UsageError(`the name goes without "$vars.": ${name.replace(/^\$(vars\.)?/, '')}`);
  const api = await ctx.api();
  const before = await api.get<ApiVariable>(path(name)).catch((err: unknown) => {
    if (err instanceof ApiError && err.status === 404) return undefined;
    throw err;
  });
  const saved = await api.put<ApiVariable>(path(name), {
    value,
    ...(options.description !== undefined ? { description: options.description } : {}),
  });
  const what = !before
    ? 'created'
    : before.value === saved.value && before.description === saved.description
      ? 'unchanged'
      : 'changed';
  ctx.out.line(`${what} ${saved.name}`);
  ctx.out.result({ ...saved, result: what });
}

/** Runs vars unset: deletes the variable; refused while flows read it unless --force. */
export async function unsetVariable(
  ctx: CommandContext,
  name: string,
  options: { force?: boolean },
): Promise<void> {
  const api = await ctx.api();
  await api.request('DELETE', path(name), options.force ? { query: { force: 'true' } } : {});
  ctx.out.line(`deleted ${name}`);
  ctx.out.result({ name, deleted: true });
}
