// Versions: publish a change, view the older version read-only, roll back to it, deactivate.
import { uniqueSlug } from './api';
import { nodeByName, renameSelected, selectNode } from './canvas';
import { expect, screenshot, test } from './fixtures';
import { createFlow, webhookToHttp } from './flows';

test('publishes a second version, shows the first read-only, rolls back to it and deactivates the flow', async ({
  signedIn: page,
}) => {
  const slug = uniqueSlug('versions');
  const flow = await createFlow(webhookToHttp(slug, 'https://example.com/x'), true);
  await page.goto(`/flows/${flow.id}`);
  await expect(page.locator('.toolbar .badge')).toHaveText('published v1');

  await selectNode(page, 'Call');
  await renameSelected(page, 'Call', 'Notify');
  await expect(page.getByTestId('save-state')).toHaveText('All changes saved');
  await page.getByRole('button', { name: 'Publish', exact: true }).click();
  await expect(page.locator('.toolbar .badge')).toHaveText('published v2');

  await page.getByRole('tab', { name: 'Versions' }).click();
  await expect(page.getByTestId('version-row')).toHaveCount(2);
  const v1 = page.locator('[data-testid=version-row][data-version="1"]');
  await v1.getByRole('button', { name: 'View' }).click();
  await expect(page.getByTestId('version-banner')).toContainText('Viewing version 1');
  await expect(nodeByName(page, 'Call')).toBeVisible();
  await expect(page.getByLabel('Flow name')).toHaveAttribute('readonly', '');
  await screenshot(page, 'versions');
  await page.getByTestId('version-banner').getByRole('button', { name: 'Back to the draft' }).click();
  await expect(nodeByName(page, 'Notify')).toBeVisible();

  await v1.getByRole('button', { name: 'Roll back' }).click();
  await expect(page.getByText('Version 1 is live again.')).toBeVisible();
  await expect(page.locator('.toolbar .badge')).toHaveText('published v1');

  await page.getByRole('button', { name: 'Deactivate' }).click();
  await expect(page.locator('.toolbar .badge')).toHaveText('inactive');
});
