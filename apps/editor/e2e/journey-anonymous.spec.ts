// An anonymous visitor in a cart-abandonment journey: a visitor known only by anonymousId starts the journey,
// and their own "Order Completed" wakes the wait — by the person, not a userId they do not have — while another
// visitor's order wakes nothing of theirs. Nothing lands in dead letters; the runs say which way each went.
import { api, uniqueSlug } from './api';
import { expect, test } from './fixtures';
import { createFlow } from './flows';
import { createTrackingSource } from './tracking';
import { waitUntil } from './wait';

interface Run {
  id: string;
  status: string;
  person: string | null;
}

test('a visitor with only an anonymousId goes through a wait-for-event journey, and the run view says how', async ({
  signedIn: page,
}) => {
  const slug = uniqueSlug('anon');
  const source = await createTrackingSource(`Shop ${slug}`);
  const definition = {
    name: `Cart ${slug}`,
    slug,
    nodes: [
      {
        id: 'start',
        type: 'trigger.tracking',
        name: 'Checkout started',
        config: { type: 'track', events: [`Checkout ${slug}`], sources: [source.id] },
        position: { x: 0, y: 0 },
      },
      {
        // the default correlation: the person (userId, else anonymousId)
        id: 'wait',
        type: 'logic.wait-for-event',
        name: 'Wait for the order',
        config: { event: `Order ${slug}`, timeoutMs: 4_000 },
        position: { x: 320, y: 0 },
      },
    ],
    edges: [{ id: 'e1', source: 'start', target: 'wait' }],
  };
  const flow = await createFlow(definition, true);

  const buyer = `visitor-buyer-${slug}`;
  const browser = `visitor-browser-${slug}`;
  expect(await source.send('track', { anonymousId: buyer, event: `Checkout ${slug}` })).toBe(200);
  expect(await source.send('track', { anonymousId: browser, event: `Checkout ${slug}` })).toBe(200);
  const runsOf = async () => (await api<{ items: Run[] }>('GET', `/runs?flowId=${flow.id}`)).items;
  await waitUntil('both visitors to wait', 20_000, async () => {
    const runs = await runsOf();
    return runs.length === 2 && runs.every((r) => r.status === 'waiting');
  });
  expect(await source.send('track', { anonymousId: buyer, event: `Order ${slug}` })).toBe(200);
  await waitUntil('both runs to finish (one received, one timed out)', 30_000, async () => {
    const runs = await runsOf();
    return runs.length === 2 && runs.every((r) => r.status === 'succeeded');
  });
  const letters = await api<{ items: unknown[] }>('GET', `/dead-letters?flowId=${flow.id}`);
  expect(letters.items).toEqual([]);

  await page.goto(`/flows/${flow.id}`);
  await page.getByRole('tab', { name: 'Runs' }).click();
  await page.getByLabel('Search by person (userId or anonymousId)').fill(buyer);
  await expect(page.getByTestId('run-row')).toHaveCount(1);
  await expect(page.getByTestId('run-person')).toHaveText(buyer);
  await expect(page.getByTestId('run-ended')).toHaveText('ended at Wait for the order (received)');
  await page.getByLabel('Search by person (userId or anonymousId)').fill(browser);
  await expect(page.getByTestId('run-row')).toHaveCount(1);
  await expect(page.getByTestId('run-ended')).toHaveText('ended at Wait for the order (timeout)');
});
