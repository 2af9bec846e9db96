// The marketer's flow, built by hand in the editor: webhook → if plan = pro → "Slack", else → "CRM".
import { fireWebhook, uniqueSlug } from './api';
import { connect, dragFromPalette, edges, nodeByName, renameSelected, selectNode } from './canvas';
import { expect, screenshot, test } from './fixtures';
import { type Peer, startPeer } from './peers';

let slack: Peer;
let crm: Peer;

test.beforeAll(async () => {
  slack = await startPeer('slack');
  crm = await startPeer('crm');
});

test.afterAll(async () => {
  await slack?.close();
  await crm?.close();
});

test('builds the signup flow from the palette, test-runs it, publishes it and finds the webhook run', async ({
  signedIn: page,
}) => {
  const slug = uniqueSlug('signups');
  await page.goto('/');
  await page.getByRole('button', { name: 'New flow' }).click();
  const dialog = page.getByRole('dialog', { name: 'New flow' });
  await dialog.getByLabel('Name', { exact: true }).fill(`Signups ${slug}`);
  await dialog.getByLabel('Slug', { exact: true }).fill(slug);
  await dialog.getByRole('button', { name: 'Create flow' }).click();
  await expect(page.getByLabel('Flow name')).toHaveValue(`Signups ${slug}`);
  await expect(page.getByText('Start with a trigger.')).toBeVisible();

  // zoom out so four nodes fit side by side, then drag them in from the palette
  await page.getByRole('button', { name: 'Zoom Out' }).click();
  await page.getByRole('button', { name: 'Zoom Out' }).click();
  await dragFromPalette(page, 'trigger.webhook', 90, 300);
  await dragFromPalette(page, 'logic.if', 270, 300);
  await dragFromPalette(page, 'action.http', 470, 180);
  await dragFromPalette(page, 'action.http', 470, 440);

  await connect(page, 'Webhook', 'main', 'If');
  await expect(edges(page)).toHaveCount(1);
  await connect(page, 'If', 'true', 'HTTP request');
  await connect(page, 'If', 'false', 'HTTP request 2');
  await expect(edges(page)).toHaveCount(3);

  // a second identical connection is refused, with the reason on screen
  await connect(page, 'Webhook', 'main', 'If');
  await expect(page.getByRole('alert').filter({ hasText: 'Connection refused' })).toContainText(
    'already connected',
  );
  await expect(edges(page)).toHaveCount(3);

  await selectNode(page, 'Webhook');
  await page.getByLabel('Path').fill(slug);
  await expect(page.getByTestId('webhook-url')).toHaveText(`${new URL(page.url()).origin}/hooks/${slug}`);

  // the condition is typed with completion of the sample's fields
  await selectNode(page, 'If');
  const condition = page.getByRole('combobox', { name: /^Condition/ });
  await condition.fill('{{ ');
  await condition.pressSequentially('$json.bo');
  await expect(page.getByRole('option', { name: /^\$json\.body\b/ }).first()).toBeVisible();
  await screenshot(page, 'expression-completion');
  await page.keyboard.press('Enter');
  await expect(condition).toHaveValue('{{ $json.body');
  await condition.pressSequentially(".plan = 'pro' }}");
  await expect(condition).toHaveValue("{{ $json.body.plan = 'pro' }}");

  await selectNode(page, 'HTTP request');
  await renameSelected(page, 'HTTP request', 'Slack');
  await page.getByLabel('Method').selectOption('POST');
  await page.getByLabel('URL').fill(`${slack.url}/messages`);
  const slackBody = page
    .getByRole('region', { name: 'Node Slack' })
    .locator('.any-value-field', { hasText: 'Body' });
  await slackBody.getByText('JSON', { exact: true }).click();
  await slackBody.locator('textarea').fill('{ "text": "New pro signup: {{ $json.body.email }}" }');

  await selectNode(page, 'HTTP request 2');
  await renameSelected(page, 'HTTP request 2', 'CRM');
  await page.getByLabel('Method').selectOption('POST');
  await page.getByLabel('URL').fill(`${crm.url}/contacts`);
  const crmBody = page
    .getByRole('region', { name: 'Node CRM' })
    .locator('.any-value-field', { hasText: 'Body' });
  await crmBody.getByText('JSON', { exact: true }).click();
  await crmBody
    .locator('textarea')
    .fill('{ "email": "{{ $json.body.email }}", "plan": "{{ $json.body.plan }}" }');

  await page.getByRole('button', { name: 'Auto-layout' }).click();
  await expect(page.getByTestId('problems-button')).toHaveText('No problems');
  await expect(page.getByTestId('save-state')).toHaveText('All changes saved');
  await screenshot(page, 'canvas');
  await selectNode(page, 'If');
  await screenshot(page, 'node-form');

  // test run with the sample item (plan "pro"): the pro branch runs, the CRM branch is skipped
  await page.getByRole('tab', { name: 'Test' }).click();
  const stream = page.waitForResponse((res) => /\/runs\/[^/]+\/stream\?access_token=/.test(res.url()));
  await page.getByRole('button', { name: 'Run test' }).click();
  expect((await stream).headers()['content-type']).toContain('text/event-stream');
  for (const name of ['Webhook', 'If', 'Slack']) {
    await expect(nodeByName(page, name).getByTestId('flow-node')).toHaveAttribute(
      'data-step-status',
      'succeeded',
    );
  }
  await expect(nodeByName(page, 'CRM').getByTestId('flow-node')).toHaveAttribute(
    'data-step-status',
    'skipped',
  );
  expect(slack.requests.at(-1)?.body).toEqual({ text: 'New pro signup: ada@example.com' });
  await selectNode(page, 'Slack');
  await page.getByRole('tab', { name: /^Data/ }).click();
  const stepData = page.getByTestId('step-data').first();
  await expect(stepData).toHaveAttribute('data-step-status', 'succeeded');
  await expect(stepData.locator('.port-output[data-port="main"]')).toContainText('"status": 200');
  await screenshot(page, 'test-run');

  await page.getByRole('button', { name: 'Publish', exact: true }).click();
  await expect(page.getByText('Published version 1.')).toBeVisible();
  await expect(page.locator('.toolbar .badge')).toHaveText('published v1');

  // a real webhook call with plan "free" takes the CRM branch; find its run by event id and open it
  const fired = await fireWebhook(slug, { email: 'grace@example.com', plan: 'free' });
  await page.getByRole('tab', { name: 'Runs' }).click();
  await page.getByLabel('Search by event id').fill(fired.eventId);
  const row = page.getByTestId('run-row');
  await expect(row).toHaveCount(1);
  await expect(row).toHaveAttribute('data-run-id', fired.runs[0]?.id ?? '');
  await row.click();
  await expect(page.getByTestId('run-banner')).toContainText('succeeded');
  await expect(nodeByName(page, 'CRM').getByTestId('flow-node')).toHaveAttribute(
    'data-step-status',
    'succeeded',
  );
  await expect(nodeByName(page, 'Slack').getByTestId('flow-node')).toHaveAttribute(
    'data-step-status',
    'skipped',
  );
  await expect(page.getByTestId('run-detail')).toContainText('version 1');
  expect(crm.requests.at(-1)?.body).toEqual({ email: 'grace@example.com', plan: 'free' });
  await screenshot(page, 'run-overlay');
});
