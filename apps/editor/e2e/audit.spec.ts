// The audit log page: a change made through the API shows up with who made it and when, and the filters
// narrow the list.
import { api, uniqueSlug } from './api';
import { expect, test } from './fixtures';
import { createFlow } from './flows';

test('shows who published a flow, and filters by action and target', async ({ signedIn: page }) => {
  const slug = uniqueSlug('audited');
  const flow = await createFlow(
    {
      name: `Audited ${slug}`,
      slug,
      nodes: [{ id: 'start', type: 'trigger.manual', name: 'Start', config: {}, position: { x: 0, y: 0 } }],
      edges: [],
    } as { name: string; slug: string },
    true,
  );
  await page.goto('/');
  await page.getByRole('link', { name: 'Audit log' }).click();
  await page.getByLabel('Target').fill(flow.id);
  const rows = page.getByTestId('audit-row');
  await expect(rows).toHaveCount(2);
  await expect(rows.first()).toContainText('flow.publish');
  await expect(rows.first()).toContainText('version: 1');
  await expect(rows.nth(1)).toContainText('flow.create');
  await page.getByLabel('Action').fill('flow.create');
  await expect(rows).toHaveCount(1);
  await page.getByLabel('Action').fill('no.such.action');
  await expect(page.getByText('Nothing recorded')).toBeVisible();
  const entries = await api<{ items: { actor: string }[] }>('GET', `/audit?target=${flow.id}`);
  expect(entries.items[0]?.actor).toMatch(/^(api_key|env):/);
});
