// Credentials: created, listed, renamed and deleted on their page without a secret ever coming back to the
// browser, and chosen (or created inline) in an HTTP node's form.
import { api, uniqueSlug } from './api';
import { selectNode } from './canvas';
import { expect, screenshot, test } from './fixtures';
import { createFlow, webhookToHttp } from './flows';
import { waitUntil } from './wait';

interface CredentialView {
  id: string;
  name: string;
  type: string;
  allowedHosts: string[];
  fields: string[];
  usedBy: { id: string; name: string }[];
}

type FlowAnswer = { draft: { nodes: { id: string; config: Record<string, unknown> }[] } };

async function credentialNamed(name: string): Promise<CredentialView | undefined> {
  const list = await api<{ items: CredentialView[] }>('GET', '/credentials');
  return list.items.find((c) => c.name === name);
}

/** A webhook → HTTP flow whose HTTP node uses `credential`. */
async function flowUsing(slug: string, credential: string) {
  const definition = webhookToHttp(slug, 'https://api.example.com/contacts');
  const nodes = definition.nodes.map((n) =>
    n.id === 'call' ? { ...n, config: { ...n.config, credential } } : n,
  );
  const withCredential = { ...definition, nodes };
  return createFlow(withCredential);
}

async function credentialOfCall(flowId: string): Promise<unknown> {
  const flow = await api<FlowAnswer>('GET', `/flows/${flowId}`);
  return flow.draft.nodes.find((n) => n.id === 'call')?.config.credential;
}

test('creates a bearer credential, lists it without its token, renames it keeping the token, and deletes it once told which flow uses it', async ({
  signedIn: page,
}) => {
  const name = uniqueSlug('crm-token');
  const token = `tok-${uniqueSlug('secret')}-${Math.random().toString(36).slice(2)}`;
  await page.goto('/');
  await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Credentials' }).click();
  await expect(page.getByRole('heading', { name: 'Credentials' })).toBeVisible();

  await page.getByRole('button', { name: 'New credential' }).click();
  const dialog = page.getByRole('dialog', { name: 'New credential' });
  await expect(dialog.locator('.type-option')).toHaveCount(
    (await api<{ items: unknown[] }>('GET', '/credential-types')).items.length,
  );
  await dialog.getByRole('button', { name: /^Bearer token/ }).click();
  await dialog.getByLabel('Credential name').fill(name);

  // the API's problems land on their fields: first the missing token, then a host with a scheme
  await dialog.getByRole('button', { name: 'Save credential' }).click();
  // RJSF marks the field holding the problem
  const tokenGroup = dialog.locator('.rjsf-field-error', { has: page.getByLabel('Token') });
  await expect(tokenGroup).toContainText('enter a token');
  const tokenInput = dialog.getByLabel('Token');
  await expect(tokenInput).toHaveAttribute('type', 'password');
  await tokenInput.fill(token);
  const hosts = dialog.getByLabel('Allowed hosts');
  await hosts.fill('api.example.com, https://crm.example.com');
  await dialog.getByRole('button', { name: 'Save credential' }).click();
  const hostsGroup = dialog.locator('.form-group', { has: page.getByLabel('Allowed hosts') });
  await expect(hostsGroup).toContainText('“https://crm.example.com”: a host name such as');
  await expect(hosts).toHaveAttribute('aria-invalid', 'true');
  expect(await credentialNamed(name)).toBeUndefined();
  await hosts.fill('api.example.com, *.crm.example.com');
  await dialog.getByRole('button', { name: 'Save credential' }).click();
  await expect(dialog).toBeHidden();

  const row = page.getByTestId('credential-row').filter({ hasText: name });
  await expect(row).toContainText('Bearer token');
  await expect(row).toContainText('api.example.com, *.crm.example.com');
  await expect(row).toContainText('set: token');
  const created = await credentialNamed(name);
  expect(created).toMatchObject({ type: 'http.bearer', fields: ['token'], usedBy: [] });
  const id = created?.id ?? '';
  // the token went to the API once and is nowhere on the page or in the browser's storage since
  expect(await page.content()).not.toContain(token);
  const storage = await page.evaluate(() => JSON.stringify({ ...localStorage, ...sessionStorage }));
  expect(storage).not.toContain(token);

  // renaming keeps the token: its field is empty, marked as stored, and left out of the update
  await row.getByRole('button', { name: `Edit ${name}` }).click();
  const edit = page.getByRole('dialog', { name: `Edit ${name}` });
  const storedToken = edit.getByLabel('Token');
  await expect(storedToken).toHaveValue('');
  await expect(storedToken).toHaveAttribute('type', 'password');
  await expect(storedToken).toHaveAttribute('placeholder', 'stored — leave empty to keep');
  await expect(edit.getByLabel('Allowed hosts')).toHaveValue('api.example.com, *.crm.example.com');
  await edit.getByLabel('Credential name').fill(`${name} (prod)`);
  await edit.getByRole('button', { name: 'Save changes' }).click();
  await expect(edit).toBeHidden();
  const renamed = page.getByTestId('credential-row').filter({ hasText: `${name} (prod)` });
  await expect(renamed).toBeVisible();
  const after = await api<CredentialView>('GET', `/credentials/${id}`);
  expect(after).toMatchObject({ name: `${name} (prod)`, fields: ['token'] });
  expect(after.allowedHosts).toEqual(['api.example.com', '*.crm.example.com']);

  // a flow uses it: the list links to the flow
  const flow = await flowUsing(uniqueSlug('uses-token'), id);
  await page.reload();
  await expect(renamed.getByRole('link', { name: flow.name })).toHaveAttribute('href', `/flows/${flow.id}`);
  // a bearer token has no service to ask; the check still opens the stored data and parses it
  await renamed.getByRole('button', { name: `Test ${name} (prod)` }).click();
  await expect(renamed.getByTestId('credential-test-result')).toContainText(
    'Test passed: Bearer token credentials have no connection check; the stored data is well-formed',
  );
  await screenshot(page, 'credentials');

  // deleting is refused with the flow named, and "Delete anyway" deletes it
  await renamed.getByRole('button', { name: `Delete ${name} (prod)` }).click();
  const confirm = page.getByRole('dialog', { name: 'Delete credential' });
  await confirm.getByRole('button', { name: 'Delete', exact: true }).click();
  const inUse = confirm.getByTestId('credential-in-use');
  await expect(inUse).toContainText(`is used by flow "${flow.name}" (${flow.slug})`);
  await expect(inUse.getByRole('link', { name: flow.name })).toBeVisible();
  expect(await credentialNamed(`${name} (prod)`)).toBeDefined();
  await confirm.getByRole('button', { name: 'Delete anyway' }).click();
  await expect(confirm).toBeHidden();
  await expect(renamed).toHaveCount(0);
  expect(await credentialNamed(`${name} (prod)`)).toBeUndefined();
  expect(await page.content()).not.toContain(token);
});

test('picks a credential in an HTTP node form, and creates one inline that the node then uses', async ({
  signedIn: page,
}) => {
  const existing = await api<CredentialView>('POST', '/credentials', {
    name: uniqueSlug('picker-token'),
    type: 'http.bearer',
    data: { token: 'picker-secret-value' },
  });
  const slack = await api<CredentialView>('POST', '/credentials', {
    name: uniqueSlug('slack-bot'),
    type: 'slack',
    data: { token: 'xoxb-not-for-http' },
  });
  const slug = uniqueSlug('pick');
  const flow = await createFlow(webhookToHttp(slug, 'https://api.example.com/contacts'));
  await page.goto(`/flows/${flow.id}`);
  await selectNode(page, 'Call');
  const panel = page.getByRole('region', { name: 'Node Call' });
  const picker = panel.getByLabel('Credential', { exact: true });

  // only credentials of the HTTP auth types are offered, with their type's title; the field is optional
  await expect(picker.locator('option', { hasText: `${existing.name} (Bearer token)` })).toHaveCount(1);
  await expect(picker.locator('option', { hasText: slack.name })).toHaveCount(0);
  await expect(picker).toHaveValue('');
  await expect(picker.locator('option').first()).toHaveText('None');
  await picker.selectOption({ label: `${existing.name} (Bearer token)` });
  await waitUntil('the draft to name the chosen credential', 10_000, async () => {
    return (await credentialOfCall(flow.id)) === existing.id;
  });

  // "Create new…" offers the four HTTP auth types, saves the new credential and selects it
  await picker.selectOption({ label: 'Create new…' });
  const inline = panel.getByRole('group', { name: 'New credential' });
  await expect(inline.locator('.type-option')).toHaveCount(4);
  await inline.getByRole('button', { name: /^Header/ }).click();
  const name = uniqueSlug('api-key');
  await inline.getByLabel('Credential name').fill(name);
  await inline.getByLabel(/^Name/).fill('x-api-key');
  await inline.getByLabel(/^Value/).fill('inline-secret-value');
  await inline.getByRole('button', { name: 'Save credential' }).click();
  await expect(inline).toBeHidden();
  const created = await waitUntil('the new credential', 10_000, () => credentialNamed(name));
  expect(created).toMatchObject({ type: 'http.header', fields: ['name', 'value'] });
  await expect(picker).toHaveValue(created.id);
  await waitUntil('the draft to name the new credential', 10_000, async () => {
    return (await credentialOfCall(flow.id)) === created.id;
  });
  expect(await page.content()).not.toContain('inline-secret-value');
});
