// A credential's allowedHosts for protocols other than HTTP: checked against the host before anything is dialled.
import { FatalError } from '@tributary/flow';
import { normalizeHost } from '../http/address-policy.js';
import { hostMatches } from '../http/guarded-http-client.js';

/**
 * Fails with `host_not_allowed` unless `host` matches one of the credential's allowed hosts (`*.example.com`
 * matches names under example.com); an empty list allows any host the address policy allows.
 */
export function checkAllowedHost(host: string, allowedHosts: readonly string[]): void {
  if (allowedHosts.length === 0 || hostMatches(host, allowedHosts)) return;
  throw new FatalError(
    `The credential may only be used with ${allowedHosts.join(', ')}, not with ${normalizeHost(host)}`,
    { code: 'host_not_allowed' },
  );
}
