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
    .describe(
      'Only these event names (a track call\'s "event", a page or screen call\'s "name"); all when empty',
    ),
  sources: z
    // source ids are stored lower-case and compared as strings
    .array(z.string().uuid().toLowerCase())
    .max(100)
    .optional()
    .describe('Only events from these sources (ids); all sources when empty'),
  condition: z
    .unknown()
    .optional()
    .describe('An extra condition on the message, e.g. {{ $event.payload.properties.total > 100 }}'),
});

export type TrackingTriggerConfig = z.infer<typeof trackingConfig>;

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
});
