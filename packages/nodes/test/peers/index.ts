// Local protocol peers for tests (imported as @tributary/nodes/testing, from tests only).
export * from './broker-servers.js';
export * from './broker-subscribers.js';
export * from './echo-peers.js';
export * from './http-peer.js';
export * from './hubspot-peer.js';
export * from './smtp-peer.js';
export * from './tls-fixture.js';
