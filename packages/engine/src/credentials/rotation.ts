// Re-sealing every credential under the current key (`npm run credentials:rotate`), in one transaction.
import type { Database } from '@tributary/db';
import { schema } from '@tributary/db';
import { eq, ne } from 'drizzle-orm';
import type { Keyring } from '../core/index.js';
import { KeyringError } from '../core/index.js';
import { sealedRows } from './sealed-row-cache.js';
import { binding } from './store.js';

/**
 * Re-seals every credential not sealed under the current key, in one transaction: when any row cannot be
 * opened (its key is not in the keyring) nothing changes and the error says how many and which keys.
 */
export async function rotateCredentials(
  db: Database,
  keyring: Keyring,
): Promise<{ rotated: number; total: number }> {
  return db.transaction(async (tx) => {
    const rows = await tx
      .select()
      .from(schema.credentials)
      .where(ne(schema.credentials.keyId, keyring.currentId))
      .for('update');
    const unknown = rows.filter((row) => !keyring.knows(row.keyId));
    if (unknown.length > 0) {
      const keys = [...new Set(unknown.map((row) => row.keyId))].join(', ');
      throw new KeyringError(
        `${unknown.length} credential(s) cannot be opened: sealed under key(s) ${keys}; put the old key in TRIBUTARY_ENCRYPTION_KEY_PREVIOUS and run again`,
      );
    }
    for (const row of rows) {
      const sealed = keyring.seal(keyring.open(row, binding(row.id, row.type)), binding(row.id, row.type));
      await tx
        .update(schema.credentials)
        .set({ keyId: sealed.keyId, data: sealed.data })
        .where(eq(schema.credentials.id, row.id));
    }
    sealedRows.clear();
    return { rotated: rows.length, total: await tx.$count(schema.credentials) };
  });
}
