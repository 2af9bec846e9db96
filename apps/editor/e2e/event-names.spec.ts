// A tracking trigger's event names are picked from the names seen lately, and kept as removable chips.
import { api, uniqueSlug } from './api';
import { selectNode, settled } from './canvas';
import { expect, test } from './fixtures';
import { createFlow } from './flows';
import { createTrackingSource } from './tracking';

interface Stored {
  draft: { nodes: { id: string; config: { events?: string[] } }[] };
}

test('suggests recent event names and saves the ones added', async ({ signedIn: page }) => {
  const slug = uniqueSlug('names');
  const source = await createTrackingSource(`Names ${slug}`);
  const seen = `Plan Upgraded ${slug}`;
  expect(await source.send('track', { userId: `u-${slug}`, event: seen })).toBe(200);
  const definition = {
    name: `Upgrades ${slug}`,
    slug,
    nodes: [
      {
        id: 'start',
        type: 'trigger.tracking',
        name: 'Upgraded',
        config: { type: 'track' },
        position: { x: 0, y: 0 },
      },
    ],
    edges: [],
  };
  const flow = await createFlow(definition);
  const events = async () =>
    (await api<Stored>('GET', `/flows/${flow.id}`)).draft.nodes.find((n) => n.id === 'start')?.config.events;

  await page.goto(`/flows/${flow.id}`);
  await selectNode(page, 'Upgraded');
  const panel = page.getByRole('region', { name: 'Node Upgraded' });
  await expect(panel.getByText('Every event name (add some to listen to those only).')).toBeVisible();
  // the name sent a moment ago is among the suggestions
  await expect(panel.locator(`datalist option[value="${seen}"]`)).toHaveCount(1);
  const input = panel.getByLabel('Add an event name');
  await input.fill(seen);
  await input.press('Enter');
  await input.fill('Plan Downgraded');
  await panel.getByRole('button', { name: 'Add', exact: true }).click();
  const chosen = panel.getByRole('list', { name: /chosen/ });
  await expect(chosen.getByRole('listitem')).toHaveText([seen, 'Plan Downgraded']);
  await settled(page);
  await expect.poll(events).toEqual([seen, 'Plan Downgraded']);
  // a chosen name is no longer suggested
  await expect(panel.locator(`datalist option[value="${seen}"]`)).toHaveCount(0);

  await panel.getByRole('button', { name: 'Remove Plan Downgraded' }).click();
  await settled(page);
  await expect.poll(events).toEqual([seen]);
});

/** A flow whose tracking trigger listens to track calls named `events`. */
function tracked(slug: string, events: string[]) {
  return {
    name: `Carts ${slug}`,
    slug,
    nodes: [
      {
        id: 'start',
        type: 'trigger.tracking',
        name: 'Cart viewed',
        config: { type: 'track', events },
        position: { x: 0, y: 0 },
      },
    ],
    edges: [],
  };
}

test("a tracking flow's test input is the newest logged event its trigger lets through", async ({
  signedIn: page,
}) => {
  const slug = uniqueSlug('sampled');
  const source = await createTrackingSource(`Samples ${slug}`);
  const name = `Cart Viewed ${slug}`;
  expect(
    await source.send('track', { userId: `shopper-${slug}`, event: name, properties: { items: 3 } }),
  ).toBe(200);
  const flow = await createFlow(tracked(slug, [name]));
  await page.goto(`/flows/${flow.id}`);
  await page.getByRole('tab', { name: 'Test' }).click();
  await expect(page.getByTestId('sample-origin')).toContainText(
    `newest logged event the trigger lets through: ${name}`,
  );
  await expect(page.getByLabel('Test input (JSON)')).toHaveValue(new RegExp(`shopper-${slug}`));

  // a name nothing was logged under: the made-up example, and it says so
  await api('PUT', `/flows/${flow.id}?allowInvalid=true`, tracked(slug, [`Never Sent ${slug}`]));
  await page.reload();
  await page.getByRole('tab', { name: 'Test' }).click();
  await expect(page.getByTestId('sample-origin')).toContainText('no logged event matches them yet');
  await expect(page.getByLabel('Test input (JSON)')).toHaveValue(/"userId": "user-1"/);
});
