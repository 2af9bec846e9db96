// What the action nodes' tests share: the real guarded HTTP client that reaches their local peers on
// 127.0.0.1, a stored credential as the engine hands it over, the secrets a run marks for redaction, the
// error a run fails with, and the peers' scripted answers.
import { afterAll, afterEach } from 'vitest';
import type { z } from 'zod';
import type { NodeCredential } from '../src/credentials/http-auth.js';
import type { NodeContext, NodeOutput, NodeType } from '../src/define-node.js';
import { parseAllowList } from '../src/http/address-policy.js';
import { createGuardedHttpClient } from '../src/http/guarded-http-client.js';
import type { HttpClient } from '../src/http/http-client.js';
import { runNode } from '../src/logic/test-context.js';
import {
  type HttpPeer,
  type HttpPeerOptions,
  type PeerHandler,
  type RecordedRequest,
  startHttpPeer,
} from './peers/http-peer.js';

/** What a test sets of the step's context; everything else fails loudly when the node uses it. */
export interface ActionRunOptions {
  http?: HttpClient;
  /** What ctx.credential() returns. */
  credential?: NodeCredential;
  idempotencyKey?: string;
  signal?: AbortSignal;
  redact?: (secret: string) => void;
  resolveAddress?: (host: string) => Promise<string>;
  /** Gets what the node keeps on its attempt as the request it sent (ctx.attachRequest). */
  attachRequest?: NodeContext<unknown>['attachRequest'];
}

/** Runs a node as the engine would (its config through the schema) with the context a test sets. */
export function runAction<S extends z.ZodType>(
  node: NodeType<S>,
  config: z.input<S>,
  options: ActionRunOptions = {},
): Promise<NodeOutput> {
  const { credential } = options;
  const overrides: Partial<NodeContext<z.output<S>>> = {};
  if (options.http) overrides.http = options.http;
  if (options.redact) overrides.redact = options.redact;
  if (options.resolveAddress) overrides.resolveAddress = options.resolveAddress;
  if (options.signal) overrides.signal = options.signal;
  if (options.attachRequest) overrides.attachRequest = options.attachRequest;
  if (options.idempotencyKey !== undefined) overrides.idempotencyKey = options.idempotencyKey;
  // the test hands the node the data the stored credential holds, whatever type the node reads it as
  if (credential) overrides.credential = async <D>() => credential as NodeCredential<D>;
  return runNode(node, config, {}, overrides);
}

/** A stored credential as the engine hands a node one: decrypted; any host allowed unless `allowedHosts`. */
export function storedCredential(
  credential: Omit<NodeCredential, 'allowedHosts' | 'version'> & { allowedHosts?: readonly string[] },
): NodeCredential {
  return { ...credential, allowedHosts: credential.allowedHosts ?? [], version: 'v1' };
}

/** The error a run fails with; the test fails when the run succeeds or throws something else. */
export async function errorOf(run: Promise<unknown>): Promise<Error> {
  try {
    await run;
  } catch (err) {
    if (err instanceof Error) return err;
  }
  throw new Error('expected the node to fail');
}

/**
 * One test file's harness: runs go through the real guarded client with 127.0.0.1 allowed (the node reaches
 * the local peers and nothing else) and record what they redact.
 */
export interface ActionHarness {
  /** The secrets the runs of the current test marked for redaction (ctx.redact). */
  readonly redacted: string[];
  /** `runAction` with this file's client and redaction record. */
  run<S extends z.ZodType>(
    node: NodeType<S>,
    config: z.input<S>,
    options?: ActionRunOptions,
  ): Promise<NodeOutput>;
}

/** Sets up a test file's harness: call it once at the top of the file; its client closes after the file. */
export function actionHarness(): ActionHarness {
  const http = createGuardedHttpClient({ allow: parseAllowList('127.0.0.1') });
  const redacted: string[] = [];
  afterEach(() => {
    redacted.splice(0);
  });
  afterAll(() => http.close());
  return {
    redacted,
    run: (node, config, options = {}) =>
      runAction(node, config, {
        http,
        redact: (secret) => {
          redacted.push(secret);
        },
        ...options,
      }),
  };
}

/**
 * A peer handler answering with this status: a string body as it is, any other body as JSON with
 * `content-type: application/json` unless `headers` name another; no body at all when it is undefined.
 */
export function answer(status: number, body?: unknown, headers: Record<string, string> = {}): PeerHandler {
  return (_req, res) => {
    if (body === undefined || typeof body === 'string') {
      res.writeHead(status, headers);
      res.end(body);
    } else {
      res.writeHead(status, { 'content-type': 'application/json', ...headers });
      res.end(JSON.stringify(body));
    }
  };
}

/** The last request a peer received; the test fails when it received none. */
export function lastRequest(peer: Pick<HttpPeer, 'requests'>): RecordedRequest {
  const req = peer.requests.at(-1);
  if (!req) throw new Error('the peer got no request');
  return req;
}

/** Runs `use` with a peer of its own, closed afterwards: for tests that check nothing reached a host. */
export async function withPeer<T>(
  use: (peer: HttpPeer) => Promise<T>,
  options?: HttpPeerOptions,
): Promise<T> {
  const peer = await startHttpPeer(options);
  try {
    return await use(peer);
  } finally {
    await peer.close();
  }
}
