// Validation: a node without its required URL is marked on the canvas and in its form, and cannot be published.
import { api, uniqueSlug } from './api';
import { dragFromPalette, nodeByName, selectNode, settled } from './canvas';
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

  // Publish says how many problems stand in the way and, pressed, lists them instead of publishing
  const publish = page.getByRole('button', { name: /^Publish( \(\d+ to fix\))?$/ });
  await expect(publish).toHaveText('Publish (1 to fix)');
  await expect(publish).toHaveAttribute('aria-disabled', 'true');
  // (aria-disabled: Playwright waits for enabled buttons, a person's click goes through and explains why)
  await publish.click({ force: true });
  const list = page.getByRole('list', { name: 'Problems' });
  await expect(list).toContainText('Call → URL: must be an http or https URL');
  await expect(list).not.toContainText('nodes[');
  // Escape closes the list
  await page.keyboard.press('Escape');
  await expect(list).toBeHidden();
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

test('a node just dropped shows its missing fields only once edited, and an unconnected node is a warning', async ({
  signedIn: page,
}) => {
  const slug = uniqueSlug('pristine');
  const flow = await createFlow(webhookToHttp(slug, 'https://example.com/hook'));
  await page.goto(`/flows/${flow.id}`);
  await expect(page.getByTestId('problems-button')).toHaveText('No problems');

  await dragFromPalette(page, 'action.http', 300, 320);
  await settled(page);
  const dropped = nodeByName(page, 'HTTP request');
  // the API knows the URL is missing, but a node that was just placed is not greeted with it
  await expect(page.getByRole('button', { name: /^Publish( \(\d+ to fix\))?$/ })).toHaveText(
    'Publish (1 to fix)',
  );
  await expect(dropped.getByTestId('node-problem')).toHaveCount(0);
  await expect(page.getByTestId('problems-button')).toHaveText('1 warning');
  await page.getByTestId('problems-button').click();
  await expect(page.getByRole('list', { name: 'Problems' })).toContainText(
    'Warning: “HTTP request” is not connected to the trigger and will never run',
  );
  await page.keyboard.press('Escape');

  // the first edit shows the node's own problems
  await selectNode(page, 'HTTP request');
  const panel = page.getByRole('region', { name: 'Node HTTP request' });
  await panel.getByRole('tab', { name: 'Options' }).click();
  await panel.getByLabel('Notes').fill('later');
  await expect(dropped.getByTestId('node-problem')).toContainText('HTTP request → URL:');
  await expect(page.getByTestId('problems-button')).toHaveText('1 problem · 1 warning');

  // deleting it lets the flow publish again
  await nodeByName(page, 'HTTP request').locator('.flow-node-header').click();
  await page.keyboard.press('Delete');
  await expect(page.getByTestId('problems-button')).toHaveText('No problems');
  await settled(page);
  await expect(page.getByRole('button', { name: /^Publish( \(\d+ to fix\))?$/ })).toHaveText('Publish');
});
