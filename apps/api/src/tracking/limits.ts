// Limits of the tracking API: Segment's documented sizes plus the bounds we chose where Segment is silent.

/** Sizes and bounds every tracking call is checked against. */
export const TRACKING_LIMITS = {
  /** One message (a single call's body, or one item of a batch), as Segment documents: 32 KB. */
  messageBytes: 32 * 1024,
  /** One batch request body, as Segment documents: 500 KB. */
  batchBytes: 500 * 1024,
  /** Messages in one batch, as Segment documents (Segment drops the excess; we refuse the batch). */
  batchMessages: 2500,
  /** userId, anonymousId, previousId, groupId and messageId (Segment asks for messageIds under 100). */
  idLength: 255,
  /** A track's event name, a page's or screen's name. */
  nameLength: 512,
  /** How far past the server's clock a (corrected) event time may be. */
  futureToleranceMs: 10 * 60_000,
  /** The earliest event time accepted (historical imports before this are surely wrong). */
  earliestTimestamp: new Date('1970-01-01T00:00:00.000Z'),
} as const;
