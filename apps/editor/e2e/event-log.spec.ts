// The event log: filter by name, person and source, open an event to read it as it arrived and reach the run
// it started.
import { api, uniqueSlug } from './api';
import { expect, screenshot, test } from './fixtures';
import { createFlow } from './flows';
import { createTrackingSource } from './tracking';
import { waitUntil } from './wait';

test('filters events by name, person and source, and opens one with its run', async ({ signedIn: page }) => {
  const slug = uniqueSlug('event-log');
  const source = await createTrackingSource(`Shop ${slug}`);
  const other = await createTrackingSource(`App ${slug}`);
  const definition = {
    name: `Carts ${slug}`,
    slug,
    nodes: [
      {
        id: 'start',
        type: 'trigger.tracking',
        name: 'Checkout started',
        config: { type: 'track', events: [`Checkout ${slug}`], sources: [source.id] },
        position: { x: 0, y: 0 },
      },
    ],
    edges: [],
  };
  const flow = await createFlow(definition, true);
  const buyer = `buyer-${slug}`;
  expect(
    await source.send('track', { userId: buyer, event: `Checkout ${slug}`, properties: { total: 42 } }),
  ).toBe(200);
  expect(await source.send('track', { anonymousId: `anon-${slug}`, event: `Browse ${slug}` })).toBe(200);
  expect(await other.send('track', { userId: buyer, event: `Browse ${slug}` })).toBe(200);
  await waitUntil('the run to finish', 20_000, async () => {
    const runs = await api<{ items: { status: string }[] }>('GET', `/runs?flowId=${flow.id}`);
    return runs.items[0]?.status === 'succeeded';
  });

  await page.goto('/');
  await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Event log' }).click();
  const rows = page.getByTestId('event-row');
  // each filter waits for exactly the rows it should leave (filters apply once typing pauses)
  const row = (event: string, who: string) => new RegExp(`${event} ${slug}.*${who}-${slug}`);
  await page.getByLabel('Person').fill(buyer);
  await expect(rows).toHaveText([row('Browse', 'buyer'), row('Checkout', 'buyer')]);
  await page.getByLabel('Source').selectOption({ label: `Shop ${slug}` });
  await expect(rows).toHaveText([row('Checkout', 'buyer')]);
  await page.getByLabel('Person').fill('');
  await page.getByLabel('Event name').fill(`Browse ${slug}`);
  await expect(rows).toHaveText([row('Browse', 'anon')]);
  await page.getByLabel('Event name').fill(`Checkout ${slug}`);
  await expect(rows).toHaveText([row('Checkout', 'buyer')]);

  await rows.getByRole('button', { name: `Checkout ${slug}` }).click();
  const detail = page.getByTestId('event-detail');
  await expect(detail).toContainText('"total": 42');
  await screenshot(page, 'event-log');
  await detail.getByRole('link', { name: `Carts ${slug}` }).click();
  await expect(page.getByTestId('run-detail')).toContainText('version 1');
});
