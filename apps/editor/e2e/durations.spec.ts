// Durations are typed and shown with units: a wait's timeout in its form, a node's retry delay and timeout in
// its options; text that is not a duration is refused with a hint and changes nothing.
import { api, uniqueSlug } from './api';
import { selectNode, settled } from './canvas';
import { expect, test } from './fixtures';
import { createFlow } from './flows';

interface StoredFlow {
  draft: {
    nodes: {
      id: string;
      config: Record<string, unknown>;
      timeoutMs?: number;
      retry?: { delayMs?: number };
    }[];
  };
}

test('typed as "20 s" or "2 min", stored in milliseconds, shown the same way again', async ({
  signedIn: page,
}) => {
  const slug = uniqueSlug('durations');
  const definition = {
    name: `Durations ${slug}`,
    slug,
    nodes: [
      { id: 'hook', type: 'trigger.webhook', name: 'Hook', config: { path: slug }, position: { x: 0, y: 0 } },
      {
        id: 'wait',
        type: 'logic.wait-for-event',
        name: 'Wait',
        config: { event: 'Paid', timeoutMs: 90_000 },
        position: { x: 300, y: 0 },
      },
    ],
    edges: [{ id: 'e1', source: 'hook', target: 'wait' }],
  };
  const flow = await createFlow(definition);
  const stored = async () =>
    (await api<StoredFlow>('GET', `/flows/${flow.id}`)).draft.nodes.find((n) => n.id === 'wait');

  await page.goto(`/flows/${flow.id}`);
  await selectNode(page, 'Wait');
  const panel = page.getByRole('region', { name: 'Node Wait' });
  const timeout = panel.getByLabel('Timeout', { exact: true });
  await expect(timeout).toHaveValue('1.5 min');

  await timeout.fill('soon');
  await expect(panel.getByRole('alert')).toContainText('use a number and a unit');
  await timeout.fill('20 s');
  await expect(panel.getByRole('alert')).toHaveCount(0);
  await settled(page);
  await expect.poll(async () => (await stored())?.config.timeoutMs).toBe(20_000);

  await panel.getByRole('tab', { name: 'Options' }).click();
  await panel.getByLabel('First delay').fill('3s');
  await panel.getByLabel('Timeout per attempt').fill('2 min');
  await settled(page);
  await expect.poll(async () => (await stored())?.timeoutMs).toBe(120_000);
  expect((await stored())?.retry?.delayMs).toBe(3000);

  // a fresh page shows what was stored, in units
  await page.reload();
  await selectNode(page, 'Wait');
  await expect(panel.getByLabel('Timeout', { exact: true })).toHaveValue('20 s');
  await panel.getByRole('tab', { name: 'Options' }).click();
  await expect(panel.getByLabel('Timeout per attempt')).toHaveValue('2 min');
  await expect(panel.getByLabel('First delay')).toHaveValue('3 s');
});
