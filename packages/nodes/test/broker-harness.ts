// What the broker nodes' tests share: a stored credential, ctx.resolveAddress through the real address policy
// with an allow list each test picks (names under .test resolve to 127.0.0.1), and the credential check's ctx.
import type { z } from 'zod';
import type { CredentialTestContext } from '../src/credentials/define-credential.js';
import type { NodeOutput, NodeType } from '../src/define-node.js';
import { parseAllowList } from '../src/http/address-policy.js';
import { type HostResolver, resolveCheckedAddresses } from '../src/http/guarded-connector.js';
import { runAction, storedCredential } from './action-harness.js';

/** Names under .test resolve to loopback; anything else does not resolve. */
export const testResolver: HostResolver = async (host) => (host.endsWith('.test') ? ['127.0.0.1'] : []);

/** ctx.resolveAddress as the engine has it, with TRIBUTARY_HTTP_ALLOW set to `allow`. */
export function policyResolver(allow = '127.0.0.1'): (host: string) => Promise<string> {
  const policy = parseAllowList(allow);
  return async (host) => {
    const [address] = await resolveCheckedAddresses(host, policy, testResolver);
    if (address === undefined) throw new Error(`no address for ${host}`);
    return address;
  };
}

/** How a test runs a broker node. */
export interface BrokerRunOptions {
  /** The credential's data. */
  data: Record<string, unknown>;
  type: string;
  allowedHosts?: string[];
  /** TRIBUTARY_HTTP_ALLOW as the engine would have it; default 127.0.0.1. */
  allow?: string;
  idempotencyKey?: string;
  /** The credential's version: an edited credential gets new pooled connections. */
  version?: string;
  credentialId?: string;
}

export const CREDENTIAL_ID = '5b0f1c2e-7d3a-4e9b-8c1d-2a3b4c5d6e7f';

/** Runs a broker node with a stored credential and the address policy. */
export function runBrokerNode<S extends z.ZodType>(
  node: NodeType<S>,
  config: z.input<S>,
  options: BrokerRunOptions,
): Promise<NodeOutput> {
  const credential = {
    ...storedCredential({
      id: options.credentialId ?? CREDENTIAL_ID,
      name: 'Broker',
      type: options.type,
      data: options.data,
      allowedHosts: options.allowedHosts,
    }),
    version: options.version ?? 'v1',
  };
  return runAction(node, config, {
    credential,
    resolveAddress: policyResolver(options.allow),
    idempotencyKey: options.idempotencyKey,
  });
}

/** The context of a credential's connection check, with the address policy. */
export function checkContext(
  allow = '127.0.0.1',
  signal = AbortSignal.timeout(15_000),
): CredentialTestContext {
  return {
    http: { request: () => Promise.reject(new Error('broker checks make no HTTP calls')) },
    signal,
    checkAddress: policyResolver(allow),
  };
}
