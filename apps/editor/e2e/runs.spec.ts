// Runs: a past event pinned as the test input, the run list's status filter, and replay of a run.
import { api, fireWebhook, uniqueSlug } from './api';
import { nodeByName } from './canvas';
import { expect, test } from './fixtures';
import { createFlow, webhookToHttp } from './flows';
import { type Peer, startPeer } from './peers';
import { waitUntil } from './wait';

let peer: Peer;

test.beforeAll(async () => {
  peer = await startPeer('crm');
});

test.afterAll(async () => {
  await peer?.close();
});

test('test-runs the draft with a pinned past event, filters runs by status and replays a run', async ({
  signedIn: page,
}) => {
  const slug = uniqueSlug('replay');
  const flow = await createFlow(webhookToHttp(slug, `${peer.url}/contacts`), true);
  const fired = await fireWebhook(slug, { email: 'pinned@example.com' });
  const runId = fired.runs[0]?.id ?? '';
  await waitUntil('the webhook run to finish', 20_000, async () => {
    const run = await api<{ status: string }>('GET', `/runs/${runId}`);
    return run.status === 'succeeded';
  });

  await page.goto(`/flows/${flow.id}`);
  await page.getByRole('tab', { name: 'Test' }).click();
  const pin = page.getByLabel('Use a past event');
  await expect(pin.locator('option')).toHaveCount(2);
  await pin.selectOption(fired.eventId);
  await expect(page.getByLabel('Test input (JSON)')).toHaveValue(/pinned@example\.com/);
  await page.getByRole('button', { name: 'Run test' }).click();
  await expect(nodeByName(page, 'Call').getByTestId('flow-node')).toHaveAttribute(
    'data-step-status',
    'succeeded',
  );
  await expect(page.getByTestId('test-run-status')).toContainText('succeeded');
  expect(peer.requests.map((r) => r.body)).toEqual([
    { email: 'pinned@example.com' },
    { email: 'pinned@example.com' },
  ]);

  await page.getByRole('tab', { name: 'Runs' }).click();
  await page.getByLabel('Status').selectOption('failed');
  await expect(page.getByText('No failed runs')).toBeVisible();
  await page.getByLabel('Status').selectOption('succeeded');
  await expect(page.getByTestId('run-row')).toHaveCount(2);

  await page.locator(`[data-testid=run-row][data-run-id="${runId}"]`).click();
  await expect(page.getByTestId('run-detail')).toContainText('version 1');
  await page.getByTestId('run-detail').getByRole('button', { name: 'Replay', exact: true }).click();
  await expect(page.getByText('Replay started (version 1).')).toBeVisible();
  await expect(page.getByTestId('run-banner')).toContainText('succeeded');
  await expect(page.getByTestId('run-detail')).not.toContainText(runId);
  await expect(page.getByTestId('run-row')).toHaveCount(3);
  expect(peer.requests).toHaveLength(3);
});
