// Test helpers for logic nodes: a hand-built NodeContext and a run() that parses the config first.
import type { z } from 'zod';
import type { NodeContext, NodeLogger, NodeOutput, NodeType } from '../define-node.js';
import { isJsonObject } from './json-value.js';

const silentLogger: NodeLogger = { debug() {}, info() {}, warn() {}, error() {} };

/** A NodeContext whose HTTP client, sleep, credential and connections fail loudly unless a test replaces them. */
export function testContext<C>(config: C, overrides: Partial<NodeContext<C>> = {}): NodeContext<C> {
  return {
    config,
    signal: new AbortController().signal,
    logger: silentLogger,
    runId: 'run-1',
    stepId: 'step-1',
    nodeId: 'node-1',
    attempt: 1,
    correlationId: 'event-1',
    idempotencyKey: 'step-1',
    http: {
      request: () => Promise.reject(new Error('this node must not make HTTP calls')),
    },
    sleep: () => {
      throw new Error('this node must not sleep');
    },
    waitForEvent: () => Promise.reject(new Error('this node must not wait for events')),
    callFlow: () => Promise.reject(new Error('this node must not call flows')),
    eventLog: { summarize: () => Promise.reject(new Error('this node must not read the event log')) },
    credential: () => Promise.reject(new Error('this node was given no credential')),
    redact: () => {},
    resolveAddress: () => Promise.reject(new Error('this node must not open connections')),
    attachLogs: () => {},
    attachRequest: () => {},
    respondToWebhook: () => {
      throw new Error('this node must not answer webhooks');
    },
    ...overrides,
  };
}

/** Runs a node as the engine would: config through the node's schema, then run(ctx, input). */
export async function runNode<S extends z.ZodType>(
  node: NodeType<S>,
  config: z.input<S>,
  input: unknown,
  overrides: Partial<NodeContext<z.output<S>>> = {},
): Promise<NodeOutput> {
  if (!node.run) throw new Error(`${node.type} has no run()`);
  return node.run(testContext(node.config.parse(config), overrides), input);
}

/** The one item a port carries, checked to be an object, for tests that look at its fields. */
export function onlyObject(out: NodeOutput, port = 'main'): Record<string, unknown> {
  const [item, ...more] = out[port] ?? [];
  if (!isJsonObject(item) || more.length > 0) {
    throw new Error(`expected one object on "${port}", got ${JSON.stringify(out[port])}`);
  }
  return item;
}
