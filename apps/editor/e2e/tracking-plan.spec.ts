// Tracking plan: a marketer gives "Checkout Started" a schema on a source in the Sources page (the API's
// problems shown for a bad one), sets the source to flag, and finds the event that breaks it flagged in the
// Event log and in the trigger's "Use a past event" test data.
import { api, uniqueSlug } from './api';
import { expect, screenshot, test } from './fixtures';
import { createFlow } from './flows';
import { createTrackingSource } from './tracking';
import { waitUntil } from './wait';

test('a schema defined in the editor flags a violating event in the event log and the test data', async ({
  signedIn: page,
}) => {
  const slug = uniqueSlug('plan');
  const name = `Shop ${slug}`;
  const source = await createTrackingSource(name);
  // published first: the flagged event must start a run to be among the flow's past events
  const definition = {
    name: `Checkouts ${slug}`,
    slug,
    nodes: [
      {
        id: 'start',
        type: 'trigger.tracking',
        name: 'Checkout',
        config: { type: 'track', events: ['Checkout Started'], sources: [source.id] },
        position: { x: 0, y: 0 },
      },
    ],
    edges: [],
  };
  const flow = await createFlow(definition, true);

  await page.goto('/sources');
  const row = page.getByTestId('source-row').filter({ hasText: name });
  await row.getByRole('button', { name: `Tracking plan of ${name}` }).click();
  const plan = page.getByRole('region', { name: `Tracking plan of ${name}` });
  await plan.getByLabel('When an event breaks the plan').selectOption('flag');
  await expect(row).toContainText('plan: flag');

  await plan.getByLabel('Event name', { exact: true }).fill('Checkout Started');
  const editor = plan.getByLabel('JSON Schema of its properties');
  await editor.fill('{"type": "object", "properties": {"total": {"type": "numbr"}}}');
  await plan.getByRole('button', { name: 'Save schema' }).click();
  await expect(plan.getByRole('alert')).toContainText('schema/properties/total/type');
  await editor.fill('{"type": "object", "required": ["total"], "properties": {"total": {"type": "number"}}}');
  await plan.getByRole('button', { name: 'Save schema' }).click();
  await expect(plan.getByTestId('event-schema-row')).toHaveText([/Checkout Started\s*v1/]);
  await screenshot(page, 'tracking-plan');

  const buyer = `buyer-${slug}`;
  // the write-key lookup of another process may hold the old mode for up to 2 s: send until it is flagged
  await waitUntil('a Checkout Started without a total to be flagged', 15_000, async () => {
    expect(await source.send('track', { userId: buyer, event: 'Checkout Started', properties: {} })).toBe(
      200,
    );
    const flagged = await api<{ items: unknown[] }>(
      'GET',
      `/events?source=${encodeURIComponent(`tracking:${source.id}`)}&violations=only`,
    );
    return flagged.items.length > 0;
  });
  expect(
    await source.send('track', { userId: buyer, event: 'Checkout Started', properties: { total: 42 } }),
  ).toBe(200);

  await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Event log' }).click();
  await page.getByLabel('Source').selectOption({ label: name });
  const rows = page.getByTestId('event-row');
  await expect(rows.getByTestId('plan-violation-badge').first()).toBeVisible();
  await page.getByLabel('Only events that break a tracking plan').check();
  await expect(rows.filter({ hasNot: page.getByTestId('plan-violation-badge') })).toHaveCount(0);
  await rows.first().getByRole('button', { name: 'Checkout Started' }).click();
  await expect(page.getByTestId('plan-violations')).toContainText(
    "properties must have required property 'total'",
  );
  await expect(page.getByTestId('plan-violations')).toContainText('schema version 1');

  await page.goto(`/flows/${flow.id}`);
  await page.getByRole('tab', { name: 'Test' }).click();
  const pin = page.getByLabel('Use a past event');
  const flaggedOption = pin.locator('option', { hasText: 'breaks the tracking plan' }).first();
  await expect(flaggedOption).toBeAttached();
  await pin.selectOption((await flaggedOption.getAttribute('value')) ?? '');
  await expect(page.getByTestId('plan-violations')).toContainText(
    "properties must have required property 'total'",
  );
  await page.getByLabel('Test input (JSON)').fill('{"properties": {"total": 1}}');
  await expect(page.getByTestId('plan-violations')).toHaveCount(0);
});
