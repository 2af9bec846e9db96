import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import type { WebhookResponse } from '../define-node.js';
import { isSettableResponseHeader, respondToWebhook } from './respond-to-webhook.js';
import { runNode } from './test-context.js';

/** Runs the node and returns its output with the answer it gave. */
async function respond(config: z.input<typeof respondToWebhook.config>, input: unknown = { id: 1 }) {
  const answers: WebhookResponse[] = [];
  const output = await runNode(respondToWebhook, config, input, {
    respondToWebhook: (response) => {
      answers.push(response);
    },
  });
  return { output, answers };
}

describe('respond-to-webhook', () => {
  it('answers 200 with an empty body by default and passes the very same item on', async () => {
    const item = { order: 7 };
    const { output, answers } = await respond({}, item);
    expect(answers).toEqual([{ status: 200, headers: {}, body: '' }]);
    expect(output).toEqual({ main: [item] });
    expect(output.main?.[0]).toBe(item);
  });

  it('sends text as text/plain and anything else as JSON', async () => {
    expect((await respond({ body: 'thanks' })).answers[0]).toEqual({
      status: 200,
      headers: { 'content-type': 'text/plain; charset=utf-8' },
      body: 'thanks',
    });
    expect((await respond({ status: 201, body: { id: 7, tags: ['a'] } })).answers[0]).toEqual({
      status: 201,
      headers: { 'content-type': 'application/json' },
      body: '{"id":7,"tags":["a"]}',
    });
    expect((await respond({ body: 0 })).answers[0]?.body).toBe('0');
    expect((await respond({ body: null })).answers[0]?.body).toBe('null');
  });

  it('keeps a content-type header given in any spelling, and lower-cases header names', async () => {
    const { answers } = await respond({
      status: 422,
      headers: { 'Content-Type': 'text/csv', 'X-Order': '7' },
      body: 'a,b\n1,2',
    });
    expect(answers[0]).toEqual({
      status: 422,
      headers: { 'content-type': 'text/csv', 'x-order': '7' },
      body: 'a,b\n1,2',
    });
  });

  it('refuses statuses that cannot end a request and bodies on statuses that have none', () => {
    for (const status of [100, 199, 600, 200.5]) {
      expect(respondToWebhook.config.safeParse({ status }).success, String(status)).toBe(false);
    }
    expect(respondToWebhook.config.safeParse({ status: 204 }).success).toBe(true);
    const withBody = respondToWebhook.config.safeParse({ status: 204, body: 'x' });
    expect(withBody.error?.issues[0]?.path).toEqual(['body']);
  });

  it('refuses framing, cookie, content-security and x-tributary-* headers, and a name given twice', () => {
    for (const name of [
      'Content-Length',
      'transfer-encoding',
      'connection',
      'set-cookie',
      'content-security-policy',
      'X-Tributary-Run-Id',
    ]) {
      expect(isSettableResponseHeader(name), name).toBe(false);
      const parsed = respondToWebhook.config.safeParse({ headers: { [name]: 'x' } });
      expect(parsed.success, name).toBe(false);
    }
    expect(isSettableResponseHeader('location')).toBe(true);
    const twice = respondToWebhook.config.safeParse({ headers: { 'X-A': '1', 'x-a': '2' } });
    expect(twice.error?.issues[0]).toMatchObject({
      path: ['headers'],
      message: expect.stringContaining('x-a'),
    });
    const lineBreak = respondToWebhook.config.safeParse({ headers: { 'x-a': 'one\r\nset-cookie: b' } });
    expect(lineBreak.success).toBe(false);
  });

  it('answers through ctx and is not pure, so it always runs as a step of its own', () => {
    expect(respondToWebhook.traits).toMatchObject({ respondsToWebhook: true, pure: false });
    expect(respondToWebhook.outputs({})).toEqual(['main']);
  });

  it('keeps its JSON Schema for the editor', () => {
    expect(z.toJSONSchema(respondToWebhook.config, { io: 'input' })).toMatchSnapshot();
  });
});
