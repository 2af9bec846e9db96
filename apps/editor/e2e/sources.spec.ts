// Sources: a marketer creates one and copies its write key (shown once), sees its last event, rotates the
// key (the old one stops at once) and disables the source — without curl.
import { baseUrl, uniqueSlug } from './api';
import { expect, screenshot, test } from './fixtures';

function track(writeKey: string) {
  return fetch(`${baseUrl}/v1/track`, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      authorization: `Basic ${Buffer.from(`${writeKey}:`).toString('base64')}`,
    },
    body: JSON.stringify({ userId: 'sources-e2e', event: 'Page Viewed' }),
  });
}

test('creates a source, shows its key once and its last event, rotates the key and disables it', async ({
  signedIn: page,
}) => {
  const name = `Site ${uniqueSlug('source')}`;
  await page.goto('/sources');
  await page.getByLabel('New source').fill(name);
  await page.getByRole('button', { name: 'Create' }).click();
  const shown = page.getByTestId('new-write-key');
  await expect(shown).toContainText(name);
  const key = (await shown.getByTestId('write-key').textContent()) ?? '';
  expect(key).toMatch(/^trw_/);
  const row = page.getByTestId('source-row').filter({ hasText: name });
  await expect(row.getByTestId('source-last-event')).toHaveText('none yet');
  await expect(row).toContainText(key.slice(0, 12));
  await screenshot(page, 'sources');

  // the key, once dismissed, is nowhere on the page
  await shown.getByRole('button', { name: 'I have copied it' }).click();
  await expect(page.getByTestId('new-write-key')).toHaveCount(0);
  await expect(page.locator('body')).not.toContainText(key);

  expect((await track(key)).status).toBe(200);
  await page.reload();
  await expect(row.getByTestId('source-last-event')).not.toHaveText('none yet');

  page.once('dialog', (dialog) => void dialog.accept());
  await row.getByRole('button', { name: `Rotate the write key of ${name}` }).click();
  const rotated = (await page.getByTestId('write-key').textContent()) ?? '';
  expect(rotated).toMatch(/^trw_/);
  expect(rotated).not.toBe(key);
  expect((await track(key)).status).toBe(401);
  expect((await track(rotated)).status).toBe(200);

  await row.getByRole('button', { name: `Disable ${name}` }).click();
  await expect(row).toContainText('disabled');
  expect((await track(rotated)).status).not.toBe(200);
  await row.getByRole('button', { name: `Enable ${name}` }).click();
  await expect(row).toContainText('active');
});
