// Sources: a marketer creates one and copies its write key (shown once), sees its last event, rotates the
// key (the old one stops at once) and disables the source — without curl; a tracking trigger picks sources
// by name.
import { api, baseUrl, uniqueSlug } from './api';
import { selectNode } from './canvas';
import { expect, screenshot, test } from './fixtures';
import { createFlow } from './flows';
import { waitUntil } from './wait';

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

test("a tracking trigger's form lists the sources by name to tick, and saves their ids", async ({
  signedIn: page,
}) => {
  const slug = uniqueSlug('picker');
  const web = await api<{ id: string }>('POST', '/sources', { name: `Web ${slug}` });
  const app = await api<{ id: string }>('POST', '/sources', { name: `App ${slug}` });
  const definition = {
    name: `Picker ${slug}`,
    slug,
    nodes: [
      {
        id: 'start',
        type: 'trigger.tracking',
        name: 'Signed up',
        config: { type: 'track', events: ['Signed Up'] },
        position: { x: 0, y: 0 },
      },
    ],
    edges: [],
  };
  const flow = await createFlow(definition);
  await page.goto(`/flows/${flow.id}`);
  await selectNode(page, 'Signed up');
  const panel = page.getByRole('region', { name: 'Node Signed up' });
  await expect(panel.getByText('Every source (tick some to listen to those only).')).toBeVisible();
  await panel.getByRole('checkbox', { name: `App ${slug}` }).check();
  await expect(panel.getByRole('checkbox', { name: `Web ${slug}` })).not.toBeChecked();
  await waitUntil('the chosen source to be saved', 10_000, async () => {
    const saved = await api<{ draft: { nodes: { config: { sources?: string[] } }[] } }>(
      'GET',
      `/flows/${flow.id}`,
    );
    return JSON.stringify(saved.draft.nodes[0]?.config.sources) === JSON.stringify([app.id]);
  });
  expect(web.id).not.toBe(app.id);
});
