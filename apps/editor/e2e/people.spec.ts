// People: a marketer finds a person by a word from their e-mail, sees their traits, ids, events and runs, and
// opens one of the runs in its flow.
import { api, uniqueSlug } from './api';
import { expect, screenshot, test } from './fixtures';
import { createFlow } from './flows';
import { createTrackingSource } from './tracking';
import { waitUntil } from './wait';

test('finds a person by a trait, shows what is known about them, and opens their run', async ({
  signedIn: page,
}) => {
  const slug = uniqueSlug('people-page');
  const source = await createTrackingSource(`Site ${slug}`);
  const send = source.send;
  const definition = {
    name: `Welcome ${slug}`,
    slug,
    nodes: [
      {
        id: 'start',
        type: 'trigger.tracking',
        name: 'Signed up',
        config: { type: 'track', events: ['Signed Up'], sources: [source.id] },
        position: { x: 0, y: 0 },
      },
      {
        id: 'plan',
        type: 'logic.if',
        name: 'Paid plan',
        config: { condition: "{{ $json.properties.plan = 'pro' }}" },
        position: { x: 240, y: 0 },
      },
    ],
    edges: [{ id: 'e1', source: 'start', target: 'plan' }],
  };
  const flow = await createFlow(definition, true);
  const userId = `ada-${slug}`;
  const anonymousId = `visitor-${slug}`;
  expect(await send('track', { anonymousId, event: 'Viewed Pricing' })).toBe(200);
  const traits = { email: `ada.${slug}@example.com`, plan: 'pro' };
  expect(await send('identify', { userId, anonymousId, traits })).toBe(200);
  expect(await send('track', { userId, event: 'Signed Up', properties: { plan: 'pro' } })).toBe(200);
  await waitUntil('the run to finish', 20_000, async () => {
    const runs = await api<{ items: { status: string }[] }>('GET', `/runs?flowId=${flow.id}`);
    return runs.items.length === 1 && runs.items[0]?.status === 'succeeded';
  });

  await page.goto('/');
  await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'People' }).click();
  await page.getByLabel('Search people').fill(`ADA.${slug}`);
  await expect(page.getByTestId('person-row')).toHaveCount(1);
  await page.getByTestId('person-row').getByRole('link', { name: userId }).click();

  const person = page.getByRole('region', { name: `Person ${userId}` });
  await expect(person.getByTestId('person-ids')).toContainText(userId);
  await expect(person.getByTestId('person-ids')).toContainText(anonymousId);
  await expect(person.getByTestId('person-traits')).toContainText(`ada.${slug}@example.com`);
  // what they did before and after signing in, as one person
  await expect(person.getByTestId('person-events')).toContainText('Viewed Pricing');
  await expect(person.getByTestId('person-events')).toContainText('Signed Up');
  await expect(person.getByTestId('person-runs')).toContainText(`Welcome ${slug}`);
  await expect(person.getByTestId('person-runs')).toContainText('ended at Paid plan (true)');
  await screenshot(page, 'people');

  await person.getByRole('link', { name: `Welcome ${slug}` }).click();
  await expect(page.getByTestId('run-detail')).toContainText('version 1');

  // nobody matches a word no trait holds
  await page.goto('/people');
  await page.getByLabel('Search people').fill(`nobody-${slug}`);
  await expect(page.getByText(`Nobody matches “nobody-${slug}”`)).toBeVisible();
});
