// The V8 flags of the garbage collector that the server sets at start (main.ts), from its configuration:
// set there, they apply whatever started the process (npm start, the image, a service manager).
import type { Config } from './config.js';

/**
 * - How far V8 lets the heap grow past what the last full collection kept before it collects again
 *   (TRIBUTARY_HEAP_GROWING_PERCENT; 0 leaves V8's choice). V8's own choice (up to 4×) lets a burst of large
 *   request bodies — garbage within a second, but in the large-object space, which only a full collection
 *   frees — take hundreds of MB; a fixed factor keeps the process near its live size at a small cost in
 *   collections (bench L and e). V8 reads it each time it sets the next limit.
 * - Allocation-site pretenuring, off unless TRIBUTARY_V8_PRETENURING: V8 allocates the objects made at a
 *   place in the code straight in the old generation once most of those it sampled outlived a young
 *   collection. An accepted event's objects live a few milliseconds, but enough of them are still waiting for
 *   their group commit at some young collection to tip their places, and from then on every event's copies
 *   fill the old generation: a full collection every 1–2 s under load instead of one in 5–10 s, and their
 *   pauses in the tail. Interleaved runs of both builds (50 connections, and paced at half that rate):
 *   5–35 % less CPU per accepted webhook, HTTP p99 at half load −28–41 %. The other side: when requests wait
 *   long (256 connections on a saturated server, ~150 ms each), their objects do outlive young collections
 *   and are copied instead: 25 % fewer webhooks accepted per second there than with pretenuring on.
 */
export function garbageCollectionFlags(
  config: Pick<Config, 'TRIBUTARY_HEAP_GROWING_PERCENT' | 'TRIBUTARY_V8_PRETENURING'>,
): string[] {
  const flags: string[] = [];
  if (config.TRIBUTARY_HEAP_GROWING_PERCENT > 0) {
    flags.push(`--heap-growing-percent=${config.TRIBUTARY_HEAP_GROWING_PERCENT}`);
  }
  if (!config.TRIBUTARY_V8_PRETENURING) flags.push('--no-allocation-site-pretenuring');
  return flags;
}
