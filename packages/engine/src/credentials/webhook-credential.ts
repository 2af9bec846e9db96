// The credential a webhook trigger checks requests with: opened on the ingress hot path from a briefly cached
// sealed row, and checked against the credential types the trigger's auth accepts.

import { NotFoundError } from '@tributary/flow';
import type { EngineContext } from '../core/index.js';
import { KeyringError } from '../core/index.js';
import { sealedRows } from './sealed-row-cache.js';
import { openRow, rowOf } from './store.js';

/** The credential's data, or why there is none to check with (for the log; the caller gets a plain 401). */
export type WebhookCredentialResult =
  | { ok: true; data: Readonly<Record<string, unknown>> }
  | {
      ok: false;
      reason: 'no_credential' | 'credential_not_found' | 'credential_unreadable' | 'wrong_credential_type';
    };

/**
 * Opens credential `id` for checking a webhook request, when it exists, can be decrypted and is of one of
 * `types`. Never throws for a missing or unusable credential: the request is refused, not failed.
 */
export async function webhookCredential(
  ctx: Pick<EngineContext, 'db' | 'keyring'>,
  id: unknown,
  types: readonly string[],
): Promise<WebhookCredentialResult> {
  if (typeof id !== 'string' || id === '') return { ok: false, reason: 'no_credential' };
  let row = sealedRows.get(id);
  if (row === undefined) {
    row = await rowOf(ctx.db, id).catch((err: unknown) => {
      if (err instanceof NotFoundError) return null;
      throw err;
    });
    sealedRows.set(id, row);
  }
  if (row === null) return { ok: false, reason: 'credential_not_found' };
  if (!types.includes(row.type)) return { ok: false, reason: 'wrong_credential_type' };
  try {
    return { ok: true, data: openRow(ctx.keyring, row).data };
  } catch (err) {
    if (err instanceof KeyringError) return { ok: false, reason: 'credential_unreadable' };
    throw err;
  }
}
