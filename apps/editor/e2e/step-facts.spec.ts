// What a step did, in words: a wait says which way it went and how long it waited; a step between retries
// counts down to its next try.
import type { Page } from '@playwright/test';
import { api, fireWebhook, uniqueSlug } from './api';
import { nodeByName } from './canvas';
import { expect, test } from './fixtures';
import { createFlow, webhookThen } from './flows';
import { type Peer, startPeer } from './peers';
import { waitUntil } from './wait';

let failing: Peer;

test.beforeAll(async () => {
  failing = await startPeer('down', 503);
});

test.afterAll(async () => {
  await failing?.close();
});

/** Opens a run of the flow from its Runs tab. */
async function openRun(page: Page, flowId: string, runId: string) {
  await page.goto(`/flows/${flowId}`);
  await page.getByRole('tab', { name: 'Runs' }).click();
  await page.locator(`[data-testid=run-row][data-run-id="${runId}"]`).click();
  return page.getByTestId('run-detail');
}

test('a wait that timed out says "→ timeout" and how long it waited', async ({ signedIn: page }) => {
  const slug = uniqueSlug('waited');
  const definition = webhookThen(slug, {
    id: 'wait',
    type: 'logic.wait-for-event',
    name: 'Wait for payment',
    config: { event: 'Paid', correlation: '{{ $json.body.email }}', timeoutMs: 2500 },
  });
  const flow = await createFlow(definition, true);
  const fired = await fireWebhook(slug, { email: `late-${slug}@example.com` });
  const runId = fired.runs[0]?.id ?? '';
  await waitUntil('the wait to time out', 30_000, async () => {
    const run = await api<{ status: string }>('GET', `/runs/${runId}`);
    return run.status === 'succeeded';
  });
  const detail = await openRun(page, flow.id, runId);
  const row = detail.getByRole('button', { name: /Wait for payment/ });
  await expect(row.getByTestId('step-facts')).toHaveText(/^→ timeout · waited [2-9]\.\d s$/);
});

test('a step between retries counts down to its next try', async ({ signedIn: page }) => {
  const slug = uniqueSlug('retrying');
  const definition = webhookThen(slug, {
    id: 'call',
    type: 'action.http',
    name: 'Call',
    config: { method: 'POST', url: `${failing.url}/x` },
    retry: { attempts: 3, backoff: 'fixed', delayMs: 60_000, maxDelayMs: 60_000, jitter: false },
  });
  const flow = await createFlow(definition, true);
  const fired = await fireWebhook(slug, {});
  const runId = fired.runs[0]?.id ?? '';
  await waitUntil('the first attempt to fail', 20_000, async () => failing.requests.length >= 1);
  const detail = await openRun(page, flow.id, runId);
  const facts = detail.getByRole('button', { name: /Call/ }).getByTestId('step-facts');
  await expect(facts).toHaveText(/^next try in \d+ s$/);
  const first = Number(/in (\d+) s/.exec((await facts.textContent()) ?? '')?.[1]);
  // the countdown moves on its own, without a reload
  await expect(async () => {
    const now = Number(/in (\d+) s/.exec((await facts.textContent()) ?? '')?.[1]);
    expect(now).toBeLessThan(first);
  }).toPass({ timeout: 10_000 });
  await detail.getByRole('button', { name: 'Cancel run' }).click();
  await expect(detail).toContainText('canceled');
});

test('a step names the expressions that gave nothing', async ({ signedIn: page }) => {
  const slug = uniqueSlug('empty');
  const definition = webhookThen(slug, {
    id: 'copy',
    type: 'logic.set',
    name: 'Copy total',
    config: { fields: { total: '{{ $json.body.cart.total }}', email: '{{ $json.body.email }}' } },
  });
  const flow = await createFlow(definition, true);
  const fired = await fireWebhook(slug, { email: `someone-${slug}@example.com` });
  const runId = fired.runs[0]?.id ?? '';
  await waitUntil('the run to finish', 20_000, async () => {
    const run = await api<{ status: string }>('GET', `/runs/${runId}`);
    return run.status === 'succeeded';
  });
  await page.goto(`/flows/${flow.id}?run=${runId}`);
  await expect(page.getByTestId('run-banner')).toContainText('succeeded');
  await nodeByName(page, 'Copy total').locator('.flow-node-header').click();
  await page.getByRole('tab', { name: /^Data/ }).click();
  const warning = page.getByTestId('step-empty-expressions');
  await expect(warning).toContainText('fields.total: {{ $json.body.cart.total }} gave nothing');
  await expect(warning).not.toContainText('email');
});
