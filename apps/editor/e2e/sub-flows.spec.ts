// Sub-flows: the "Call a flow" node offers the flows that can be called; a run's step links to the child run it
// started, and the child run links back to the run that called it.
import { api, fireWebhook, uniqueSlug } from './api';
import { expect, test } from './fixtures';
import { createFlow, webhookThen } from './flows';
import { waitUntil } from './wait';

test('the node picks a callable flow; parent and child runs link to each other', async ({
  signedIn: page,
}) => {
  const childSlug = uniqueSlug('price-order');
  const childDefinition = {
    name: `Price order ${childSlug}`,
    slug: childSlug,
    nodes: [
      { id: 'called', type: 'trigger.sub-flow', name: 'Called', config: {}, position: { x: 0, y: 0 } },
      {
        id: 'price',
        type: 'logic.set',
        name: 'Price',
        config: { fields: { total: '{{ $json.qty * 10 }}' } },
        position: { x: 320, y: 0 },
      },
    ],
    edges: [{ id: 'e1', source: 'called', sourceHandle: 'main', target: 'price', targetHandle: 'main' }],
    settings: {},
  };
  const child = await createFlow(childDefinition, true);
  const slug = uniqueSlug('checkout');
  const parent = await createFlow(
    webhookThen(slug, {
      id: 'call',
      type: 'logic.sub-flow',
      name: 'Price it',
      config: { flow: childSlug, input: '{{ $json.body }}' },
    }),
    true,
  );

  await page.goto(`/flows/${parent.id}`);
  await page.getByTestId('rf__node-call').click();
  const picker = page.locator('.flow-slug-picker select');
  await expect(picker).toHaveValue(childSlug);
  await expect(picker.locator('option', { hasText: child.name })).toHaveCount(1);
  await expect(page.getByRole('link', { name: `Open ${child.name}` })).toBeVisible();

  const fired = await fireWebhook(slug, { qty: 3 });
  const runId = fired.runs[0]?.id ?? '';
  const run = await waitUntil('the run to end', 15_000, async () => {
    const found = await api<{ status: string; children: Array<{ id: string }> }>('GET', `/runs/${runId}`);
    return found.status === 'succeeded' ? found : undefined;
  });
  expect(run.children).toHaveLength(1);
  await page.goto(`/flows/${parent.id}?run=${runId}`);
  const detail = page.getByTestId('run-detail');
  await expect(detail.getByTestId('child-run')).toContainText(child.name);
  await expect(detail.getByTestId('child-run')).toContainText('succeeded');
  await detail.getByTestId('child-run').click();
  await expect(page).toHaveURL(new RegExp(`/flows/${child.id}\\?run=`));
  const childDetail = page.getByTestId('run-detail');
  await expect(childDetail.getByTestId('parent-run')).toContainText(runId.slice(-8));
  await childDetail.getByTestId('parent-run').click();
  await expect(page).toHaveURL(new RegExp(`/flows/${parent.id}\\?run=${runId}`));
});
