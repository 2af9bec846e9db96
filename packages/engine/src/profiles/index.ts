// profiles/: what is known about a person — traits from identify calls and the ids linked to them.
export type { IdentityKind, IdentityMessage, ProfileView, ProfileWithEvents } from './profiles.js';
export {
  alreadyLinked,
  applyIdentity,
  getProfile,
  identityPairKey,
  lockIdentitiesOfBatch,
  profileForUser,
} from './profiles.js';
