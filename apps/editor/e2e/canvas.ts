// Canvas helpers: drag from the palette, find nodes by name, connect ports with the mouse.
import { expect, type Locator, type Page } from '@playwright/test';

/** The React Flow node whose card shows `name`. */
export function nodeByName(page: Page, name: string): Locator {
  return page.locator('.react-flow__node', { has: page.locator(`[data-node-name="${name}"]`) });
}

/** Drags a palette entry onto the canvas at (x, y) relative to the canvas. */
export async function dragFromPalette(page: Page, type: string, x: number, y: number): Promise<void> {
  const before = await page.locator('.react-flow__node').count();
  await page
    .locator(`.palette-item[data-node-type="${type}"]`)
    .dragTo(page.locator('.react-flow__pane'), { targetPosition: { x, y } });
  await expect(page.locator('.react-flow__node')).toHaveCount(before + 1);
}

async function centre(locator: Locator): Promise<{ x: number; y: number }> {
  const box = await locator.boundingBox();
  if (!box) throw new Error('element has no box');
  return { x: box.x + box.width / 2, y: box.y + box.height / 2 };
}

/** Waits until the autosave has answered, so nodes stop changing size under the pointer (problems appear). */
export async function settled(page: Page): Promise<void> {
  await expect(page.getByTestId('save-state')).not.toHaveText(/Saving|Unsaved/);
}

/** Drags from an output port of one node to the input of another. */
export async function connect(page: Page, from: string, port: string, to: string): Promise<void> {
  await settled(page);
  const source = nodeByName(page, from).locator(`.react-flow__handle.source[data-handleid="${port}"]`);
  const target = nodeByName(page, to).locator('.react-flow__handle.target').first();
  const a = await centre(source);
  await page.mouse.move(a.x, a.y);
  await page.mouse.down();
  const b = await centre(target);
  await page.mouse.move((a.x + b.x) / 2, (a.y + b.y) / 2, { steps: 5 });
  const end = await centre(target);
  await page.mouse.move(end.x, end.y, { steps: 5 });
  await page.mouse.up();
}

/** Clicks the middle of the edge between two nodes (the edge's own box may be mostly empty). */
export async function clickEdgeBetween(page: Page, from: string, to: string): Promise<void> {
  const a = await centre(nodeByName(page, from).locator('.react-flow__handle.source').first());
  const b = await centre(nodeByName(page, to).locator('.react-flow__handle.target').first());
  await page.mouse.click((a.x + b.x) / 2, (a.y + b.y) / 2);
}

/** Selects a node by clicking its card. */
export async function selectNode(page: Page, name: string): Promise<void> {
  await nodeByName(page, name).locator('.flow-node-header').click();
  await expect(page.getByRole('region', { name: `Node ${name}` })).toBeVisible();
}

/** Renames the selected node through its Options tab. */
export async function renameSelected(page: Page, from: string, to: string): Promise<void> {
  const panel = page.getByRole('region', { name: `Node ${from}` });
  await panel.getByRole('tab', { name: 'Options' }).click();
  await panel.getByLabel('Name').fill(to);
  await page
    .getByRole('region', { name: `Node ${to}` })
    .getByRole('tab', { name: 'Configure' })
    .click();
}

/** The number of edges on the canvas. */
export function edges(page: Page): Locator {
  return page.locator('.react-flow__edge');
}
