// The sending rules a step with a channel tag meets before its node runs: the flow's quiet hours (on the
// person's clock) delay it; the instance's frequency caps either count its send or hold it back — it then
// takes the `capped` port without sending, or waits until a slot frees up, as its node says.
import { schema } from '@tributary/db';
import { isTimeZone } from '@tributary/flow';
import { eq } from 'drizzle-orm';
import type { IdentityKind } from '../profiles/index.js';
import { traitsByIdentity } from '../profiles/index.js';
import { type CapReached, type HeldState, quietHoursEnd, takeSend } from '../sending/index.js';
import type { Delivery } from './attempt.js';

export type { HeldState };

/** What the step does now: send, take the capped port, or wait until `until`. */
export type SendingDecision =
  | { kind: 'send' }
  | { kind: 'capped'; held: HeldState }
  | { kind: 'delay'; until: Date; held: HeldState };

interface Person {
  kind: IdentityKind;
  value: string;
}

async function personOf({ ctx, run }: Delivery): Promise<Person | undefined> {
  const [event] = await ctx.db
    .select({ userId: schema.events.userId, anonymousId: schema.events.anonymousId })
    .from(schema.events)
    .where(eq(schema.events.id, run.eventId));
  if (event?.userId) return { kind: 'userId', value: event.userId };
  if (event?.anonymousId) return { kind: 'anonymousId', value: event.anonymousId };
  return undefined;
}

/** The person's time zone: their profile's trait when it names a zone, else the flow's, else UTC. */
async function zoneOf(delivery: Delivery, person: Person | undefined, trait: string): Promise<string> {
  const traits = person ? await traitsByIdentity(delivery.ctx.db, person.kind, person.value) : undefined;
  const own = traits?.[trait];
  if (typeof own === 'string' && isTimeZone(own)) return own;
  return delivery.flow.definition.settings.timezone ?? 'UTC';
}

function capHeld(channel: string, cap: CapReached, outcome: 'capped' | 'delayed'): HeldState {
  return {
    rule: 'frequencyCap',
    outcome,
    channel,
    until: cap.until.toISOString(),
    limit: cap.limit,
    periodMs: cap.periodMs,
  };
}

/**
 * Applies the sending rules to a delivery of a step whose node has a channel tag (others always send). Quiet
 * hours come first, so a step delayed by them takes no send; a send taken is kept by the step's retries.
 */
export async function decideSending(delivery: Delivery, now = Date.now()): Promise<SendingDecision> {
  const { node, flow, step, run } = delivery;
  const channel = node.channel;
  if (channel === undefined) return { kind: 'send' };
  const person = await personOf(delivery);
  const quiet = flow.definition.settings.quietHours;
  if (quiet) {
    const zone = await zoneOf(delivery, person, quiet.timezoneTrait);
    const until = quietHoursEnd(quiet, zone, now);
    if (until) {
      const held: HeldState = {
        rule: 'quietHours',
        outcome: 'delayed',
        channel,
        until: until.toISOString(),
        start: quiet.start,
        end: quiet.end,
        zone,
      };
      return { kind: 'delay', until, held };
    }
  }
  // a run without a person (a webhook's event) has no one to count sends for
  if (!person) return { kind: 'send' };
  const check = await takeSend(
    delivery.ctx.db,
    { stepId: step.id, runId: run.id, flowId: run.flowId, person: `${person.kind}:${person.value}`, channel },
    new Date(now),
  );
  if (check.kind === 'counted') return { kind: 'send' };
  if (node.onCap === 'wait') {
    return { kind: 'delay', until: check.cap.until, held: capHeld(channel, check.cap, 'delayed') };
  }
  return { kind: 'capped', held: capHeld(channel, check.cap, 'capped') };
}
