// profiles/: what is known about a person — traits from identify calls and the ids linked to them.
export type {
  IdentityKind,
  IdentityMessage,
  PairProfiles,
  ProfileView,
  ProfileWithEvents,
} from './profiles.js';
export {
  applyIdentity,
  changesProfiles,
  getProfile,
  identitiesQuery,
  identityPairKey,
  linkPairsOfBatch,
  lockIdentitiesOfBatch,
  pairsLinkedCondition,
  profileForUser,
  profilesOfPairs,
  traitsByIdentity,
} from './profiles.js';
export { PROFILE_SEARCH_LIMIT, searchProfiles } from './search.js';
