// tributary keys create|list|revoke: scoped API keys for CI and scripts (the key is shown once, at creation).
import type { CommandContext } from '../context.js';
import { UsageError } from '../errors.js';
import { time } from '../format.js';

/** The scopes a key can hold (the server checks them too, and that they lie within the caller's own). */
export const KEY_SCOPES = [
  'flows:read',
  'flows:write',
  'runs:read',
  'runs:write',
  'events:write',
  'credentials:read',
  'credentials:write',
  'admin',
] as const;

interface ApiKey {
  id: string;
  name: string;
  prefix: string;
  scopes: string[];
  createdBy: string | null;
  createdAt: string;
  lastUsedAt: string | null;
  expiresAt: string | null;
}

/** The options of keys create. */
export interface CreateKeyOptions {
  scope: string[];
  expires?: string;
}

/** `30d`, `12h` or a date (2027-01-31, or with a time): when the key stops working. */
export function expiryOf(text: string, now = Date.now()): string {
  const relative = /^(\d+)\s*([dh])$/i.exec(text.trim());
  if (relative) {
    const hours = Number(relative[1]) * (relative[2]?.toLowerCase() === 'd' ? 24 : 1);
    if (hours < 1) throw new UsageError(`--expires ${text}: at least 1h`);
    return new Date(now + hours * 3_600_000).toISOString();
  }
  const at = Date.parse(text);
  if (Number.isNaN(at)) throw new UsageError(`--expires ${text}: use 30d, 12h or a date such as 2027-01-31`);
  if (at <= now) throw new UsageError(`--expires ${text}: that is in the past`);
  return new Date(at).toISOString();
}

/** Runs keys create: prints the key once. */
export async function createKey(ctx: CommandContext, name: string, options: CreateKeyOptions): Promise<void> {
  const expiresAt = options.expires ? expiryOf(options.expires) : undefined;
  const api = await ctx.api();
  const made = await api.request<ApiKey & { key: string }>('POST', '/api-keys', {
    body: { name, scopes: options.scope, ...(expiresAt ? { expiresAt } : {}) },
  });
  const { c } = ctx.out;
  ctx.out.line(`${c.bold('key')}      ${made.key}`);
  ctx.out.line(`${c.bold('id')}       ${made.id}`);
  ctx.out.line(`${c.bold('scopes')}   ${made.scopes.join(', ')}`);
  ctx.out.line(`${c.bold('expires')}  ${made.expiresAt ? time(made.expiresAt) : 'never'}`);
  ctx.out.warn('the key is shown only this once: store it now');
  ctx.out.result(made);
}

/** Runs keys list. */
export async function listKeys(ctx: CommandContext): Promise<void> {
  const api = await ctx.api();
  const { items } = await api.get<{ items: ApiKey[] }>('/api-keys');
  ctx.out.table(
    ['ID', 'NAME', 'PREFIX', 'SCOPES', 'CREATED BY', 'LAST USED', 'EXPIRES'],
    items.map((k) => [
      k.id,
      k.name,
      k.prefix,
      k.scopes.join(', '),
      k.createdBy ?? '-',
      k.lastUsedAt ? time(k.lastUsedAt) : 'never',
      k.expiresAt ? time(k.expiresAt) : 'never',
    ]),
  );
  ctx.out.result({ items });
}

/** Runs keys revoke. */
export async function revokeKey(ctx: CommandContext, id: string): Promise<void> {
  const api = await ctx.api();
  await api.request('DELETE', `/api-keys/${encodeURIComponent(id)}`);
  ctx.out.line(`revoked ${id}`);
  ctx.out.result({ id, revoked: true });
}
