// Sending rules across flows: frequency caps (the instance's, counted per person and channel) and quiet hours.
export type { CapReached, SendCheck, SendRequest } from './cap-counter.js';
export { countedSends, forgetExpiredSends, releaseSend, takeSend } from './cap-counter.js';
export type { FrequencyCapInput, FrequencyCapView } from './frequency-caps.js';
export {
  createFrequencyCap,
  deleteFrequencyCap,
  getFrequencyCap,
  listFrequencyCaps,
  MAX_CAP_LIMIT,
  MAX_CAP_PERIOD_MS,
  MIN_CAP_PERIOD_MS,
  updateFrequencyCap,
} from './frequency-caps.js';
export type { HeldState } from './held.js';
export { quietHoursEnd } from './quiet-hours.js';
