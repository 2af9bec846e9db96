// Time-ordered identifiers (UUIDv7) for every row.
import { V7Generator } from 'uuidv7';

/**
 * Random numbers for the generator, drawn from the CSPRNG 4 KiB at a time. The library's own source refills
 * 32 bytes at a time, and that refill call was most of an id's cost when every accepted event takes six.
 * Ids are not secrets (keys and tokens come from crypto.randomBytes); they only need to be unguessable
 * enough not to collide.
 */
class PooledRandom {
  private readonly pool = new Uint32Array(1024);
  private cursor = this.pool.length;

  nextUint32(): number {
    if (this.cursor >= this.pool.length) {
      crypto.getRandomValues(this.pool);
      this.cursor = 0;
    }
    return this.pool[this.cursor++] as number;
  }
}

const generator = new V7Generator(new PooledRandom());

/** A new UUIDv7: unique and sortable by creation time (monotonic within this process). */
export function newId(): string {
  return generator.generate().toString();
}
