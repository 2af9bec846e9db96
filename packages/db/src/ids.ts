// Time-ordered identifiers (UUIDv7) for every row.
import { uuidv7 } from 'uuidv7';

/** A new UUIDv7: unique and sortable by creation time. */
export function newId(): string {
  return uuidv7();
}
