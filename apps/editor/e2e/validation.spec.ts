// Validation: a node without its required URL is marked on the canvas and in its form, and cannot be published.
import { api, uniqueSlug } from './api';
import { nodeByName, selectNode } from './canvas';
import { expect, screenshot, test } from './fixtures';
import { createFlow, webhookToHttp } from './flows';

test('shows a missing URL on the node and the field, and blocks publishing until it is fixed', async ({
  signedIn: page,
}) => {
  const slug = uniqueSlug('invalid');
  const flow = await createFlow(webhookToHttp(slug, undefined));
  await page.goto(`/flows/${flow.id}`);

  const call = nodeByName(page, 'Call');
  await expect(call.getByTestId('node-problem')).toContainText('must be an http or https URL');
  await expect(page.getByTestId('problems-button')).toHaveText('1 problem');
  await selectNode(page, 'Call');
  const url = page.getByRole('combobox', { name: /^URL/ });
  await expect(url).toHaveAttribute('aria-invalid', 'true');
  await expect(page.getByRole('region', { name: 'Node Call' })).toContainText('must be an http or https URL');
  await screenshot(page, 'validation');

  await page.getByRole('button', { name: 'Publish', exact: true }).click();
  await expect(page.getByRole('alert').filter({ hasText: 'Not published' })).toBeVisible();
  expect((await api<{ items: unknown[] }>('GET', `/flows/${flow.id}/versions`)).items).toEqual([]);
  await page.getByRole('tab', { name: 'Versions' }).click();
  await expect(page.getByText('Not published yet')).toBeVisible();

  // fixing the field clears the problem and publishing goes through
  await page.getByRole('tab', { name: 'Inspect' }).click();
  await url.fill('https://example.com/hook');
  await expect(page.getByTestId('problems-button')).toHaveText('No problems');
  await expect(call.getByTestId('node-problem')).toHaveCount(0);
  await page.getByRole('button', { name: 'Publish', exact: true }).click();
  await expect(page.getByText('Published version 1.')).toBeVisible();
});
