// Local protocol peers for tests (imported as @tributary/nodes/testing, from tests only).
export * from './http-peer.js';
export * from './hubspot-peer.js';
export * from './smtp-peer.js';
export * from './tls-fixture.js';
