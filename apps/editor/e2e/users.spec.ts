// Users and keys through the browser: the first start makes the owner account, sign-in with e-mail and password
// (a wrong password refused), an API key made and shown once, an invitation accepted, CSRF on cookie writes,
// sign-out, sessions that end (their user disabled, or past their expiry) sending the tab back to sign-in, and
// a lockout after too many wrong passwords.
import postgres from 'postgres';
import { api, baseUrl } from './api';
import { expect, test } from './fixtures';

const OWNER = { email: 'owner@e2e.example', password: 'owner password 42' };

test('first start → owner account → API key → invitation → sign out and in → CSRF → ended session', async ({
  page,
  browser,
  consoleErrors,
}) => {
  void consoleErrors;
  await page.goto('/');
  await expect(page.getByRole('heading', { name: 'Create the owner account', exact: true })).toBeVisible();
  await page.getByLabel('E-mail', { exact: true }).fill(OWNER.email);
  await page.getByLabel('Password', { exact: true }).fill(OWNER.password);
  await page.getByRole('button', { name: 'Create owner account', exact: true }).click();
  await expect(page.getByRole('heading', { name: 'Flows', exact: true })).toBeVisible();

  // an API key with one scope, shown once, that works against the API
  await page.getByRole('link', { name: 'API keys', exact: true }).click();
  await page.getByLabel('Name', { exact: true }).fill('e2e deploy');
  await page.getByRole('checkbox', { name: 'runs:read read runs, events, dead letters' }).check();
  await page.getByRole('button', { name: 'Make key', exact: true }).click();
  const shown = page.getByTestId('new-api-key');
  await expect(shown).toHaveText(/^trb_/);
  await expect(page.getByRole('button', { name: 'Copy the API key', exact: true })).toBeVisible();
  const key = (await shown.textContent()) ?? '';
  const runs = await fetch(`${baseUrl}/api/v1/runs`, { headers: { authorization: `Bearer ${key}` } });
  expect(runs.status).toBe(200);
  const users = await fetch(`${baseUrl}/api/v1/users`, { headers: { authorization: `Bearer ${key}` } });
  expect(users.status).toBe(403);
  await page.getByRole('button', { name: 'I have copied it', exact: true }).click();
  await expect(shown).toHaveCount(0);
  await expect(page.getByTestId('api-key-row').filter({ hasText: 'e2e deploy' })).toContainText(
    'flows:read, runs:read',
  );

  // a cookie write without the CSRF token is refused, even from the editor's own page
  const forged = await page.evaluate(async () => {
    const res = await fetch('/api/v1/sources', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ name: 'forged' }),
    });
    return res.status;
  });
  expect(forged).toBe(403);

  // invite an editor; the link opens in another browser
  await page.getByRole('link', { name: 'Users', exact: true }).click();
  await page.getByLabel('E-mail', { exact: true }).fill('editor@e2e.example');
  await page.getByLabel('Role', { exact: true }).selectOption('editor');
  await page.getByRole('button', { name: 'Invite', exact: true }).click();
  const link = (await page.getByTestId('invitation-link').textContent()) ?? '';
  expect(link).toContain('/invitation#token=');

  const other = await browser.newContext();
  const invitee = await other.newPage();
  await invitee.goto(link);
  await invitee.getByLabel('New password', { exact: true }).fill('editor password 42');
  await invitee.getByRole('button', { name: 'Set password and sign in', exact: true }).click();
  await expect(invitee.getByRole('heading', { name: 'Flows', exact: true })).toBeVisible();
  await expect(invitee.getByRole('link', { name: 'Users', exact: true })).toHaveCount(0);

  // the owner disables the editor: their next request ends the session in their tab
  const list = await api<{ items: Array<{ id: string; email: string }> }>('GET', '/users');
  const editor = list.items.find((u) => u.email === 'editor@e2e.example');
  await api('PATCH', `/users/${editor?.id}`, { disabled: true });
  await invitee.getByRole('link', { name: 'Dead letters', exact: true }).click();
  await expect(invitee.getByRole('alert')).toContainText('Your session has ended');
  await other.close();

  // sign out, a wrong password, then the right one
  await page.getByRole('button', { name: 'Sign out', exact: true }).click();
  await expect(page.getByRole('heading', { name: 'Tributary', exact: true })).toBeVisible();
  await page.getByLabel('E-mail', { exact: true }).fill(OWNER.email);
  await page.getByLabel('Password', { exact: true }).fill('not the password');
  await page.getByRole('button', { name: 'Sign in', exact: true }).click();
  await expect(page.getByRole('alert')).toContainText('The e-mail address or the password is not right');
  await page.getByLabel('Password', { exact: true }).fill(OWNER.password);
  await page.getByRole('button', { name: 'Sign in', exact: true }).click();
  // back on the page the owner signed out from
  await expect(page.getByRole('heading', { name: 'Users', exact: true })).toBeVisible();
  // the session survives a reload (the cookie)
  await page.reload();
  await expect(page.getByRole('heading', { name: 'Users', exact: true })).toBeVisible();

  // a session past its expiry: the next request sends the tab back to sign-in
  const db = postgres(process.env.TRIBUTARY_E2E_DATABASE_URL ?? '', { max: 1, onnotice: () => {} });
  try {
    await db`update sessions set expires_at = now() - interval '1 second'`;
  } finally {
    await db.end();
  }
  await page.getByRole('link', { name: 'Dead letters', exact: true }).click();
  await expect(page.getByRole('alert')).toContainText('Your session has ended');

  // too many wrong passwords lock the address, whether or not it exists
  for (let i = 0; i < 5; i++) {
    await page.getByLabel('E-mail', { exact: true }).fill('ghost@e2e.example');
    await page.getByLabel('Password', { exact: true }).fill(`wrong ${i}`);
    await page.getByRole('button', { name: 'Sign in', exact: true }).click();
    await expect(page.getByRole('alert')).toContainText('The e-mail address or the password is not right');
  }
  await page.getByRole('button', { name: 'Sign in', exact: true }).click();
  await expect(page.getByRole('alert')).toContainText('too many failed sign-ins');

  // sign in again, then sign out: the cookie no longer signs the tab in
  await page.getByLabel('E-mail', { exact: true }).fill(OWNER.email);
  await page.getByLabel('Password', { exact: true }).fill(OWNER.password);
  await page.getByRole('button', { name: 'Sign in', exact: true }).click();
  await expect(page.getByRole('heading', { name: 'Dead letters', exact: true })).toBeVisible();
  await page.getByRole('button', { name: 'Sign out', exact: true }).click();
  await page.reload();
  await expect(page.getByRole('heading', { name: 'Tributary', exact: true })).toBeVisible();
});
