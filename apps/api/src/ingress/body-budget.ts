// How many bytes of large request bodies this process holds at once, from reading a body to answering its
// request: past the budget a request waits, its body unread (in the kernel's socket buffers and the
// client's), instead of being read into memory to wait there for its commit.
import { UnavailableError } from '@tributary/flow';
import type { Context, MiddlewareHandler } from 'hono';

/** Bodies that declare fewer bytes than this never wait: the budget is for the few large ones. */
export const BODY_BUDGET_MIN_BYTES = 64 * 1024;

/**
 * A byte semaphore, first come first served. A request larger than what is free waits for the requests
 * before it; one larger than the whole budget goes when nothing else is held, so none waits forever.
 */
export class BodyBudget {
  private held = 0;
  private readonly line: Array<{ bytes: number; grant: () => void }> = [];
  /** The most bytes held at once so far (for tests and the logs). */
  peakHeld = 0;

  constructor(readonly capacity: number) {}

  /** Bytes held by requests under way now. */
  get inUse(): number {
    return this.held;
  }

  /**
   * Resolves with the function that gives `bytes` back once they fit; rejects with UnavailableError (503,
   * nothing was read) when they did not within `maxWaitMs`.
   */
  acquire(bytes: number, maxWaitMs: number): Promise<() => void> {
    return new Promise((resolve, reject) => {
      const entry = {
        bytes,
        grant: () => {
          clearTimeout(timer);
          this.held += bytes;
          this.peakHeld = Math.max(this.peakHeld, this.held);
          let released = false;
          resolve(() => {
            if (released) return;
            released = true;
            this.held -= bytes;
            this.serve();
          });
        },
      };
      const timer = setTimeout(() => {
        const at = this.line.indexOf(entry);
        if (at < 0) return;
        this.line.splice(at, 1);
        // the next in line may fit where this one did not
        this.serve();
        reject(
          new UnavailableError(
            'the server is busy reading other large request bodies; nothing was accepted, try again',
            { retryAfterSeconds: 1 },
          ),
        );
      }, maxWaitMs);
      this.line.push(entry);
      this.serve();
    });
  }

  private serve(): void {
    for (;;) {
      const next = this.line[0];
      if (!next || (this.held > 0 && this.held + next.bytes > this.capacity)) return;
      this.line.shift();
      next.grant();
    }
  }
}

/**
 * The budget of a body that declares no length (chunked): the reader takes it once it has read
 * BODY_BUDGET_MIN_BYTES, reading no further until the budget has room — `bytes` is the most the route reads
 * (its limit), as the body's own size is not known yet. Rejects with UnavailableError (503) past the wait limit.
 */
export interface LateBodyClaim {
  take(bytes: number): Promise<void>;
}

const LATE_CLAIM = 'tributaryLateBodyClaim';

/** The late claim the budget's middleware left for this request's reader, if its body declares no length. */
export function lateBodyClaimOf(c: Context): LateBodyClaim | undefined {
  return c.get(LATE_CLAIM) as LateBodyClaim | undefined;
}

/**
 * Holds a request that declares a body of BODY_BUDGET_MIN_BYTES or more until the budget has room for it,
 * and gives the bytes back once it is answered. A body declared larger than `maxBody` goes straight on (the
 * route refuses it with 413 without reading it). A body without a declared length gets a late claim
 * (`lateBodyClaimOf`): it is read until it reaches BODY_BUDGET_MIN_BYTES, then waits for room for the route's
 * whole limit before the rest is read.
 */
export function bodyBudgetMiddleware(
  budget: BodyBudget,
  options: { maxBody: number; maxWaitMs: number; onShed: () => void },
): MiddlewareHandler {
  const acquire = async (bytes: number) => {
    try {
      return await budget.acquire(bytes, options.maxWaitMs);
    } catch (err) {
      options.onShed();
      throw err;
    }
  };
  return async (c, next) => {
    const length = c.req.header('content-length');
    if (length === undefined) {
      let answered = false;
      let release: (() => void) | undefined;
      let taken: Promise<void> | undefined;
      const claim: LateBodyClaim = {
        take: (bytes) => {
          taken ??= acquire(bytes).then((give) => {
            // room came after the request was answered (its reader gave up first): give it straight back
            if (answered) give();
            else release = give;
          });
          return taken;
        },
      };
      c.set(LATE_CLAIM, claim);
      try {
        await next();
      } finally {
        answered = true;
        release?.();
      }
      return;
    }
    const declared = Number(length);
    if (!Number.isFinite(declared) || declared < BODY_BUDGET_MIN_BYTES || declared > options.maxBody) {
      await next();
      return;
    }
    const release = await acquire(declared);
    try {
      await next();
    } finally {
      release();
    }
  };
}
