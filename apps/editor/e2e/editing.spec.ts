// Editing on the canvas: undo/redo of an edge deletion, copy/paste, and the keyboard shortcut help.
import { api, uniqueSlug } from './api';
import { clickEdgeBetween, edges, nodeByName } from './canvas';
import { expect, test } from './fixtures';
import { createFlow, webhookToHttp } from './flows';
import { waitUntil } from './wait';

test('undo restores a deleted edge, redo removes it again, and the draft saves the result', async ({
  signedIn: page,
}) => {
  const slug = uniqueSlug('undo');
  const flow = await createFlow(webhookToHttp(slug, 'https://example.com/x'));
  await page.goto(`/flows/${flow.id}`);
  await expect(edges(page)).toHaveCount(1);
  await expect(nodeByName(page, 'Call')).toBeVisible();

  await clickEdgeBetween(page, 'Hook', 'Call');
  await expect(page.locator('.react-flow__edge.selected')).toHaveCount(1);
  await page.keyboard.press('Delete');
  await expect(edges(page)).toHaveCount(0);
  await page.keyboard.press('Control+z');
  await expect(edges(page)).toHaveCount(1);
  await page.keyboard.press('Control+Shift+z');
  await expect(edges(page)).toHaveCount(0);
  await page.getByRole('button', { name: 'Undo' }).click();
  await expect(edges(page)).toHaveCount(1);

  await expect(page.getByTestId('save-state')).toHaveText('All changes saved');
  const saved = await api<{ draft: { edges: { source: string; target: string }[] } }>(
    'GET',
    `/flows/${flow.id}`,
  );
  expect(saved.draft.edges).toEqual([expect.objectContaining({ source: 'hook', target: 'call' })]);
});

test('copies and pastes a node with a new unique name, and lists the shortcuts', async ({
  signedIn: page,
}) => {
  const slug = uniqueSlug('paste');
  const flow = await createFlow(webhookToHttp(slug, 'https://example.com/x'));
  await page.goto(`/flows/${flow.id}`);
  await nodeByName(page, 'Call').locator('.flow-node-header').click();
  await page.keyboard.press('Control+c');
  await page.keyboard.press('Control+v');
  await expect(nodeByName(page, 'Call 2')).toBeVisible();
  await expect(page.locator('.react-flow__node')).toHaveCount(3);
  await waitUntil('the pasted node to be saved', 10_000, async () => {
    const saved = await api<{ draft: { nodes: { name: string }[] } }>('GET', `/flows/${flow.id}`);
    return saved.draft.nodes.some((n) => n.name === 'Call 2');
  });

  await page.keyboard.press('Shift+?');
  const help = page.getByRole('dialog', { name: 'Keyboard shortcuts' });
  await expect(help).toContainText('Undo');
  await expect(help).toContainText('Auto-layout');
  await page.keyboard.press('Escape');
  await expect(help).toBeHidden();
});

test('saves a change made just before leaving the editor', async ({ signedIn: page }) => {
  const slug = uniqueSlug('leave');
  const flow = await createFlow(webhookToHttp(slug, 'https://example.com/x'));
  await page.goto(`/flows/${flow.id}`);
  await nodeByName(page, 'Call').locator('.flow-node-header').click();
  const panel = page.getByRole('region', { name: 'Node Call' });
  await panel.getByRole('tab', { name: 'Options' }).click();
  await panel.getByLabel('Notes').fill('Owned by the growth team');
  // leave at once, before the autosave's pause has passed: the guard saves on the way out
  await page.getByRole('link', { name: 'Back to flows' }).click();
  await expect(page.getByRole('heading', { name: 'Flows' })).toBeVisible();
  const saved = await api<{ draft: { nodes: { id: string; notes?: string }[] } }>('GET', `/flows/${flow.id}`);
  expect(saved.draft.nodes.find((n) => n.id === 'call')?.notes).toBe('Owned by the growth team');
});
