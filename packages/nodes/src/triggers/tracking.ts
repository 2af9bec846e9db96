// The tracking trigger: starts a run for each matching Segment-style event (track, identify, page, …).
import { z } from 'zod';
import { defineNode } from '../define-node.js';

/** The Segment message types a tracking trigger can listen to. */
export const TRACKING_TYPES = ['track', 'identify', 'page', 'screen', 'group', 'alias'] as const;
export type TrackingType = (typeof TRACKING_TYPES)[number];

const trackingConfig = z.strictObject({
  type: z.enum(TRACKING_TYPES).default('track').describe('Which calls start the flow'),
  events: z
    .array(z.string().min(1).max(200))
    .max(100)
    .optional()
    // the editor suggests the names seen lately (x-event-names)
    .meta({ 'x-event-names': true })
    .describe(
      'Only these event names (a track call\'s "event", a page or screen call\'s "name"); all when empty',
    ),
  sources: z
    // source ids are stored lower-case and compared as strings
    .array(z.string().uuid().toLowerCase())
    .max(100)
    .optional()
    // the editor lists the sources by name to tick (x-tracking-sources)
    .meta({ 'x-tracking-sources': true })
    .describe('Only events from these sources (ids); all sources when empty'),
  condition: z
    .unknown()
    .optional()
    .describe('An extra condition on the message, e.g. {{ $event.payload.properties.total > 100 }}'),
});

export type TrackingTriggerConfig = z.infer<typeof trackingConfig>;

/** What a message of each type carries besides the common fields; `name` is the event name asked for. */
const SAMPLE_BODIES: Record<TrackingType, (name: string | undefined) => Record<string, unknown>> = {
  track: (name) => ({ event: name ?? 'Signed Up', properties: { plan: 'pro' } }),
  page: (name) => ({ name: name ?? 'Pricing', properties: { path: '/pricing' } }),
  screen: (name) => ({ name: name ?? 'Home', properties: {} }),
  identify: () => ({ traits: { email: 'ada@example.com', plan: 'pro' }, changedTraits: ['email', 'plan'] }),
  group: () => ({ groupId: 'group-1', traits: { name: 'Acme' } }),
  alias: () => ({ previousId: 'anon-1' }),
};

/** A message this trigger's filter lets through: of its `type`, named after the first of its `events`. */
function trackingSample(config: Readonly<Record<string, unknown>>): Record<string, unknown> {
  const type = TRACKING_TYPES.find((t) => t === config.type) ?? 'track';
  const events = Array.isArray(config.events) ? config.events : [];
  const name = events.find((e): e is string => typeof e === 'string' && e.length > 0);
  const now = new Date().toISOString();
  return {
    type,
    ...SAMPLE_BODIES[type](name),
    userId: 'user-1',
    anonymousId: 'anon-1',
    context: {},
    messageId: 'sample-message-1',
    timestamp: now,
    receivedAt: now,
  };
}

/** Starts a run per matching tracking event. */
export const trackingTrigger = defineNode({
  type: 'trigger.tracking',
  version: 1,
  category: 'trigger',
  traits: { trigger: 'tracking' },
  title: 'Tracking event',
  description:
    'Starts the flow when a site or app sends a matching track, identify, page, screen, group or alias call.',
  icon: 'radio',
  config: trackingConfig,
  outputDescription:
    'The Segment message as received (type, event/name, userId, anonymousId, properties/traits, context, messageId, timestamp), plus receivedAt; identify calls also carry `changedTraits`: the names of the traits they set for the first time or change.',
  sample: trackingSample,
});
