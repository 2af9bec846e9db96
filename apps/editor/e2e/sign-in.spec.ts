// Signing in: a wrong key and an unreachable API get clear messages; a good key opens the flow list.
import { apiKey } from './api';
import { expect, screenshot, test } from './fixtures';

test('refuses a wrong API key with a clear message, then signs in with the right one', async ({
  page,
  consoleErrors,
}) => {
  void consoleErrors;
  await page.goto('/');
  await page.getByLabel('API key', { exact: true }).fill('not-a-real-key-123456');
  await page.getByRole('button', { name: 'Sign in with API key', exact: true }).click();
  await expect(page.getByRole('alert')).toContainText('That API key is not valid');
  await screenshot(page, 'sign-in');
  await page.getByLabel('API key', { exact: true }).fill(apiKey);
  await page.getByRole('button', { name: 'Sign in with API key', exact: true }).click();
  await expect(page.getByRole('heading', { name: 'Flows', exact: true })).toBeVisible();
});

test('says the API cannot be reached when it does not answer', async ({ page }) => {
  await page.route('**/api/v1/**', (route) => route.abort('connectionrefused'));
  await page.goto('/');
  await page.getByLabel('API key', { exact: true }).fill(apiKey);
  await page.getByRole('button', { name: 'Sign in with API key', exact: true }).click();
  await expect(page.getByRole('alert')).toContainText('The API cannot be reached');
});
