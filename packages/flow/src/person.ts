// The person of an event, as a correlation expression: wait-for-event's default, which the engine recognises
// to match an incoming event by any id of its person, including ids the person's profile links.

/**
 * The person of the event that started the run — its userId, else its anonymousId — as `userId:<id>` or
 * `anonymousId:<id>`; null when the event has neither (a webhook, say).
 */
export const PERSON_CORRELATION =
  "{{ $event.payload.userId ? 'userId:' & $event.payload.userId : ($event.payload.anonymousId ? 'anonymousId:' & $event.payload.anonymousId : null) }}";
