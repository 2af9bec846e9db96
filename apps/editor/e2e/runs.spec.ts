// Runs: a past event pinned as the test input, the run list's status filter, replay of a run, a person's
// runs with where each ended, and the runs of a partition key.
import { api, baseUrl, fireWebhook, uniqueSlug } from './api';
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

test("finds a person's runs, and each run says whose it is and where it ended", async ({
  signedIn: page,
}) => {
  const slug = uniqueSlug('people');
  const source = await api<{ id: string; writeKey: string }>('POST', '/sources', { name: `People ${slug}` });
  const definition = {
    name: `Signups ${slug}`,
    slug,
    nodes: [
      {
        id: 'start',
        type: 'trigger.tracking',
        name: 'Signed up',
        config: { type: 'track', events: ['Signed Up'], sources: [source.id] },
        position: { x: 0, y: 0 },
      },
      {
        id: 'plan',
        type: 'logic.if',
        name: 'Paid plan',
        config: { condition: "{{ $json.properties.plan = 'pro' }}" },
        position: { x: 240, y: 0 },
      },
    ],
    edges: [{ id: 'e1', source: 'start', target: 'plan' }],
  };
  const flow = await createFlow(definition, true);
  const track = (who: Record<string, string>, plan: string) =>
    fetch(`${baseUrl}/v1/track`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        authorization: `Basic ${Buffer.from(`${source.writeKey}:`).toString('base64')}`,
      },
      body: JSON.stringify({ ...who, event: 'Signed Up', properties: { plan } }),
    });
  expect((await track({ userId: `ada-${slug}` }, 'pro')).status).toBe(200);
  expect((await track({ anonymousId: `visitor-${slug}` }, 'free')).status).toBe(200);
  await waitUntil('both runs to finish', 20_000, async () => {
    const runs = await api<{ items: { status: string }[] }>('GET', `/runs?flowId=${flow.id}`);
    return runs.items.length === 2 && runs.items.every((r) => r.status === 'succeeded');
  });

  await page.goto(`/flows/${flow.id}`);
  await page.getByRole('tab', { name: 'Runs' }).click();
  await expect(page.getByTestId('run-row')).toHaveCount(2);
  await page.getByLabel('Search by person (userId or anonymousId)').fill(`visitor-${slug}`);
  await expect(page.getByTestId('run-row')).toHaveCount(1);
  await expect(page.getByTestId('run-person')).toHaveText(`visitor-${slug}`);
  await expect(page.getByTestId('run-ended')).toHaveText('ended at Paid plan (false)');
  await page.getByLabel('Search by person (userId or anonymousId)').fill(`ada-${slug}`);
  await expect(page.getByTestId('run-ended')).toHaveText('ended at Paid plan (true)');
  await page.getByLabel('Search by person (userId or anonymousId)').fill('nobody-at-all');
  await expect(page.getByText('No runs of nobody-at-all')).toBeVisible();
});

test('finds the runs of a partition key, and each run shows the key it ran under', async ({
  signedIn: page,
}) => {
  const slug = uniqueSlug('keys');
  const definition = {
    ...webhookToHttp(slug, `${peer.url}/contacts`),
    settings: { partitionKey: '{{ $json.body.email }}', concurrency: 2 },
  };
  const flow = await createFlow(definition, true);
  for (const email of [`ann-${slug}@example.com`, `bob-${slug}@example.com`, `ann-${slug}@example.com`]) {
    await fireWebhook(slug, { email });
  }
  await waitUntil('the three runs to finish', 20_000, async () => {
    const runs = await api<{ items: { status: string }[] }>('GET', `/runs?flowId=${flow.id}`);
    return runs.items.length === 3 && runs.items.every((r) => r.status === 'succeeded');
  });

  await page.goto(`/flows/${flow.id}`);
  await page.getByRole('tab', { name: 'Runs' }).click();
  await expect(page.getByTestId('run-row')).toHaveCount(3);
  await page.getByLabel('Search by partition key').fill(`ann-${slug}@example.com`);
  await expect(page.getByTestId('run-row')).toHaveCount(2);
  await expect(page.getByTestId('run-key')).toHaveText([
    `key ann-${slug}@example.com`,
    `key ann-${slug}@example.com`,
  ]);
  await page.getByLabel('Search by partition key').fill('nobody-at-all');
  await expect(page.getByText('No runs with key nobody-at-all')).toBeVisible();
});
