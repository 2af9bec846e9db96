// tributary credentials list: the credentials of the instance by name (never their secrets).
import type { ApiCredential } from '../api-types.js';
import type { CommandContext } from '../context.js';
import { time } from '../format.js';

/** Runs credentials list. */
export async function listCredentials(ctx: CommandContext): Promise<void> {
  const api = await ctx.api();
  const { items } = await api.get<{ items: ApiCredential[] }>('/credentials');
  ctx.out.table(
    ['NAME', 'TYPE', 'FIELDS SET', 'USED BY', 'UPDATED'],
    items.map((cred) => [
      cred.name,
      cred.type,
      cred.fields.join(', '),
      cred.usedBy.map((f) => f.slug).join(', ') || '-',
      time(cred.updatedAt),
    ]),
  );
  ctx.out.result({ items });
}
