// The Respond to webhook node in the editor: in the palette with its form, and a run's step data shows what
// the step answered the webhook's caller.
import { api, baseUrl, uniqueSlug } from './api';
import { nodeByName, selectNode } from './canvas';
import { expect, test } from './fixtures';
import { createFlow } from './flows';
import { waitUntil } from './wait';

test('the palette offers it with its form, and its step shows the answer the caller got', async ({
  signedIn: page,
}) => {
  const slug = uniqueSlug('respond');
  const definition = {
    name: `Respond ${slug}`,
    slug,
    description: '',
    nodes: [
      {
        id: 'hook',
        type: 'trigger.webhook',
        name: 'Hook',
        config: { path: slug, responseMode: 'respondNode' },
        position: { x: 0, y: 0 },
      },
      {
        id: 'answer',
        type: 'logic.respond-to-webhook',
        name: 'Answer',
        config: { status: 201, body: { id: '{{ $json.body.id }}' } },
        position: { x: 320, y: 0 },
      },
    ],
    edges: [{ id: 'e1', source: 'hook', sourceHandle: 'main', target: 'answer', targetHandle: 'main' }],
    settings: {},
  };
  const flow = await createFlow(definition, true);
  const res = await fetch(`${baseUrl}/hooks/${slug}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ id: 7 }),
  });
  expect(res.status).toBe(201);
  expect(await res.json()).toEqual({ id: 7 });
  const runId = res.headers.get('x-tributary-run-id') ?? '';
  await waitUntil('the run to finish', 20_000, async () => {
    const run = await api<{ status: string }>('GET', `/runs/${runId}`);
    return run.status === 'succeeded';
  });

  await page.goto(`/flows/${flow.id}`);
  await page.getByLabel('Search nodes').fill('respond');
  await expect(page.locator('.palette-item')).toHaveCount(1);
  await expect(page.locator('.palette-item[data-node-type="logic.respond-to-webhook"]')).toHaveAccessibleName(
    'Respond to webhook',
  );

  await page.getByRole('tab', { name: 'Runs' }).click();
  await page.locator(`[data-testid=run-row][data-run-id="${runId}"]`).click();
  await expect(nodeByName(page, 'Answer').getByTestId('flow-node')).toHaveAttribute(
    'data-step-status',
    'succeeded',
  );
  await selectNode(page, 'Answer');
  await page.getByRole('tab', { name: /^Data/ }).click();
  await expect(page.getByTestId('step-data').first().getByTestId('step-answer')).toHaveText(
    `Sent 201 · ${'{"id":7}'.length} bytes`,
  );

  // its form, generated from the config schema
  const panel = page.getByRole('region', { name: 'Node Answer' });
  await panel.getByRole('tab', { name: 'Configure' }).click();
  for (const field of [/^Status/, /^Headers/, /^Body/]) {
    await expect(panel.getByText(field).first()).toBeVisible();
  }
});
