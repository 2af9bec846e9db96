// The flow list: rename, duplicate and delete; and a new flow started from the keyboard alone.
import { api, uniqueSlug } from './api';
import { nodeByName } from './canvas';
import { expect, screenshot, test } from './fixtures';
import { createFlow, webhookToHttp } from './flows';

test('renames, duplicates and deletes flows from the list', async ({ signedIn: page }) => {
  const slug = uniqueSlug('manage');
  const flow = await createFlow(webhookToHttp(slug, 'https://example.com/x'));
  await page.goto('/');
  const row = page.locator(`[data-testid=flow-row][data-flow-slug="${slug}"]`);
  await row.getByRole('button', { name: `Rename ${flow.name}` }).click();
  const dialog = page.getByRole('dialog', { name: 'Rename flow' });
  await dialog.getByLabel('Name', { exact: true }).fill('Renamed flow');
  await dialog.getByRole('button', { name: 'Rename' }).click();
  await expect(row.getByRole('link')).toHaveText('Renamed flow');
  expect((await api<{ name: string; slug: string }>('GET', `/flows/${flow.id}`)).slug).toBe(slug);

  await row.getByRole('button', { name: 'Duplicate Renamed flow' }).click();
  const copy = page.locator(`[data-testid=flow-row][data-flow-slug="${slug}-copy"]`);
  await expect(copy.getByRole('link')).toHaveText('Renamed flow (copy)');

  await copy.getByRole('button', { name: 'Delete Renamed flow (copy)' }).click();
  await page.getByRole('dialog', { name: 'Delete flow' }).getByRole('button', { name: 'Delete' }).click();
  await expect(copy).toHaveCount(0);
  await expect(row).toBeVisible();
});

test('starts a flow from the keyboard: palette search, Enter to add, and the form', async ({
  signedIn: page,
}) => {
  const slug = uniqueSlug('keyboard');
  await page.goto('/');
  await page.getByRole('button', { name: 'New flow' }).click();
  const dialog = page.getByRole('dialog', { name: 'New flow' });
  await dialog.getByLabel('Name', { exact: true }).fill(`Keyboard ${slug}`);
  await dialog.getByLabel('Name', { exact: true }).press('Enter');
  await expect(page.getByLabel('Flow name')).toHaveValue(`Keyboard ${slug}`);

  // the type id: several action nodes speak of webhooks too
  await page.getByLabel('Search nodes').fill('trigger.webhook');
  await expect(page.locator('.palette-item')).toHaveCount(1);
  await page.getByLabel('Search nodes').press('Tab');
  await expect(page.locator('.palette-item[data-node-type="trigger.webhook"]')).toBeFocused();
  await page.keyboard.press('Enter');
  await expect(nodeByName(page, 'Webhook')).toBeVisible();
  const panel = page.getByRole('region', { name: 'Node Webhook' });
  await expect(panel).toBeVisible();
  await panel.getByRole('combobox', { name: /^Path/ }).fill(slug);
  await expect(page.getByTestId('webhook-url')).toHaveText(new RegExp(`/hooks/${slug}$`));
  await panel.locator('details summary').filter({ hasText: 'curl example' }).click();
  await expect(page.getByTestId('webhook-curl')).toContainText(
    `curl -X POST '${new URL(page.url()).origin}/hooks/${slug}'`,
  );
  await screenshot(page, 'webhook-trigger');
});
