// Dead letters: failures against a broken service are grouped, inspected and redriven once it is fixed, or
// discarded with a reason.
import { api, fireWebhook, uniqueSlug } from './api';
import { nodeByName } from './canvas';
import { expect, screenshot, test } from './fixtures';
import { createFlow, webhookToHttp } from './flows';
import { type Peer, startPeer } from './peers';
import { waitUntil } from './wait';

let service: Peer;

test.beforeAll(async () => {
  service = await startPeer('flaky', 503);
});

test.afterAll(async () => {
  await service?.close();
});

test('groups dead letters by error, retries one from the run view and redrives the rest as a group once the service is fixed', async ({
  signedIn: page,
}) => {
  const slug = uniqueSlug('flaky');
  const flow = await createFlow(webhookToHttp(slug, `${service.url}/contacts`), true);
  const first = await fireWebhook(slug, { email: 'one@example.com' });
  const second = await fireWebhook(slug, { email: 'two@example.com' });

  await page.goto('/dead-letters');
  const group = page.getByTestId('dead-letter-group').filter({ hasText: flow.name });
  await expect(group.getByTestId('group-count')).toHaveText('2×');
  await expect(group).toContainText('http_5xx');
  // the title is the newest failure as it was, not the folded grouping key
  await expect(group).toContainText(`POST ${service.url} answered 503`);
  await expect(group).not.toContainText('<n>');
  await group.getByRole('button', { name: 'Show the dead letters of this group' }).click();
  await expect(group.getByTestId('dead-letter')).toHaveCount(2);
  await group.getByTestId('dead-letter').first().getByRole('button').first().click();
  const detail = group.getByTestId('dead-letter-detail');
  await expect(detail).toContainText('503');
  await expect(detail.getByLabel(/^Input/)).toHaveValue(/"email"/);
  await screenshot(page, 'dead-letters');

  // open the first run from its dead letter: the HTTP step is dead on the canvas
  const letters = await api<{ items: { id: string; runId: string }[] }>(
    'GET',
    `/dead-letters?flowId=${flow.id}&status=pending`,
  );
  const firstRunId = first.runs[0]?.id ?? '';
  const secondRunId = second.runs[0]?.id ?? '';
  expect(letters.items.map((l) => l.runId).sort()).toEqual([firstRunId, secondRunId].sort());
  await page.goto(`/flows/${flow.id}?run=${firstRunId}`);
  await expect(page.getByTestId('run-banner')).toContainText('failed');
  const call = nodeByName(page, 'Call').getByTestId('flow-node');
  await expect(call).toHaveAttribute('data-step-status', 'dead');

  // fix the service, then retry the dead step from the run view: the run resumes and turns green
  service.status = 200;
  await nodeByName(page, 'Call').locator('.flow-node-header').click();
  await page.getByRole('tab', { name: /^Data/ }).click();
  // the step shows the request it sent, attempt by attempt
  const sent = page.getByTestId('step-request').first();
  await expect(sent).toContainText(`POST ${service.url}/contacts`);
  await expect(sent).toContainText('one@example.com');
  await page.getByRole('button', { name: 'Retry this step' }).click();
  await expect(page.getByTestId('run-banner')).toContainText('succeeded');
  await expect(call).toHaveAttribute('data-step-status', 'succeeded');

  // the other dead letter is redriven as a group from the global view
  await page.getByRole('link', { name: 'Back to flows' }).click();
  await page.getByRole('link', { name: 'Dead letters' }).click();
  const remaining = page.getByTestId('dead-letter-group').filter({ hasText: flow.name });
  await expect(remaining.getByTestId('group-count')).toHaveText('1×');
  await remaining.getByRole('button', { name: 'Redrive all 1' }).click();
  await expect(page.getByTestId('redrive-result')).toContainText('1 redriven');
  await expect(remaining).toHaveCount(0);
  await waitUntil('the second run to succeed', 20_000, async () => {
    const run = await api<{ status: string }>('GET', `/runs/${secondRunId}`);
    return run.status === 'succeeded';
  });
  expect(service.requests.filter((r) => r.method === 'POST').length).toBeGreaterThanOrEqual(4);

  await page.getByRole('link', { name: 'Flows' }).click();
  const row = page.getByTestId('flow-row').filter({ hasText: flow.name });
  await expect(row).toContainText('succeeded');
  await screenshot(page, 'flow-list');
});

test('discards a group of dead letters with a reason: they leave the pending list and show as discarded', async ({
  signedIn: page,
}) => {
  const gone = await startPeer('gone', 503);
  try {
    const slug = uniqueSlug('gone');
    const flow = await createFlow(webhookToHttp(slug, `${gone.url}/contacts`), true);
    await fireWebhook(slug, { email: 'left@example.com' });
    await fireWebhook(slug, { email: 'also-left@example.com' });

    await page.goto('/dead-letters');
    const group = page.getByTestId('dead-letter-group').filter({ hasText: flow.name });
    await expect(group.getByTestId('group-count')).toHaveText('2×');
    await group.getByRole('button', { name: 'Discard all 2…' }).click();
    const form = page.getByRole('form', { name: 'Discard dead letters' });
    // no reason, no discard
    await expect(form.getByRole('button', { name: 'Discard', exact: true })).toBeDisabled();
    await form.getByLabel(/Discard 2 dead letters/).fill('the customers left');
    await form.getByRole('button', { name: 'Discard', exact: true }).click();
    await expect(page.getByTestId('discard-result')).toContainText('2 discarded');
    await expect(group).toHaveCount(0);

    await page.getByLabel('Status').selectOption('discarded');
    await expect(
      page.getByTestId('dead-letter-group').filter({ hasText: flow.name }).getByTestId('group-count'),
    ).toHaveText('2×');
    const discarded = await api<{ items: { status: string }[] }>(
      'GET',
      `/dead-letters?flowId=${flow.id}&status=discarded`,
    );
    expect(discarded.items.map((d) => d.status)).toEqual(['discarded', 'discarded']);
    // the service was never asked again
    expect(gone.requests.filter((r) => r.method === 'POST')).toHaveLength(2);
  } finally {
    await gone.close();
  }
});
