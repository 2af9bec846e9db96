// Variables: an owner adds one, sees the flow that reads it, changes its value and deletes it (asked again,
// naming the flow, while a flow reads it); someone without the admin scope sees them but cannot change them.
import { api, apiKey, uniqueSlug } from './api';
import { expect, screenshot, test } from './fixtures';
import { createFlow, webhookThen } from './flows';

test('an owner adds, changes and deletes a variable; the flows reading it are named', async ({
  signedIn: page,
}) => {
  const name = `E2E_${Date.now().toString(36).toUpperCase()}`;
  await page.goto('/variables');
  await page.getByRole('button', { name: 'New variable' }).click();
  const form = page.getByRole('form', { name: 'New variable' });
  await form.getByLabel('Name').fill('1-bad');
  await expect(form.getByText('A letter or _, then letters')).toBeVisible();
  await expect(form.getByRole('button', { name: 'Save' })).toBeDisabled();
  await form.getByLabel('Name').fill(name);
  await expect(form).toContainText(`$vars.${name}`);
  await form.getByLabel('Value').fill('https://crm.staging.example');
  await form.getByLabel('Description').fill('CRM base URL');
  await form.getByRole('button', { name: 'Save' }).click();
  const row = page.locator(`[data-testid="variable-row"][data-variable="${name}"]`);
  await expect(row.getByTestId('variable-value')).toHaveText('https://crm.staging.example');
  await expect(row).toContainText('CRM base URL');
  await expect(row).toContainText('no flow');

  const slug = uniqueSlug('reads-var');
  const flow = await createFlow(
    webhookThen(slug, {
      id: 'set',
      type: 'logic.set',
      name: 'Endpoint',
      config: { fields: { url: `{{ $vars.${name} & "/contacts" }}` } },
    }),
    true,
  );
  await page.reload();
  await expect(row.getByRole('link', { name: flow.name })).toBeVisible();
  await screenshot(page, 'variables');

  await row.getByRole('button', { name: `Change ${name}` }).click();
  const change = page.getByRole('form', { name: `Change ${name}` });
  await expect(change.getByLabel('Name')).toBeDisabled();
  await change.getByLabel('Value').fill('https://crm.example');
  await change.getByRole('button', { name: 'Save' }).click();
  await expect(row.getByTestId('variable-value')).toHaveText('https://crm.example');
  const stored = await api<{ value: string; description: string }>('GET', `/variables/${name}`);
  expect(stored).toMatchObject({ value: 'https://crm.example', description: 'CRM base URL' });

  await row.getByRole('button', { name: `Delete ${name}` }).click();
  const dialog = page.getByRole('dialog', { name: 'Delete variable' });
  await dialog.getByRole('button', { name: 'Delete', exact: true }).click();
  await expect(dialog.getByTestId('variable-in-use')).toContainText(slug);
  await dialog.getByRole('button', { name: 'Delete anyway' }).click();
  await expect(row).toHaveCount(0);
  await expect(page.getByRole('dialog', { name: 'Delete variable' })).toBeHidden();
});

test('a key without the admin scope sees the variables but is offered no changes', async ({ page }) => {
  const name = `E2E_READ_${Date.now().toString(36).toUpperCase()}`;
  await api('PUT', `/variables/${name}`, { value: 'shared' });
  const reader = await api<{ key: string }>('POST', '/api-keys', {
    name: 'variables reader',
    scopes: ['flows:read', 'runs:read'],
  });
  expect(reader.key).not.toBe(apiKey);
  await page.addInitScript((key) => sessionStorage.setItem('tributary.apiKey', key), reader.key);
  await page.goto('/variables');
  const row = page.locator(`[data-testid="variable-row"][data-variable="${name}"]`);
  await expect(row.getByTestId('variable-value')).toHaveText('shared');
  await expect(page.getByText('Owners change them.')).toBeVisible();
  await expect(page.getByRole('button', { name: 'New variable' })).toHaveCount(0);
  await expect(row.getByRole('button')).toHaveCount(0);
});
