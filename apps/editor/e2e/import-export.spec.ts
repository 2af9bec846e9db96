// Import and export: a flow exported as JSON imports back as an identical flow.
import { readFile } from 'node:fs/promises';
import { api, uniqueSlug } from './api';
import { expect, test } from './fixtures';
import { createFlow, webhookToHttp } from './flows';

interface FlowAnswer {
  id: string;
  slug: string;
  name: string;
  draft: {
    nodes: unknown[];
    edges: unknown[];
    settings: unknown;
    description: string;
    name: string;
    slug: string;
  };
}

test('exports a flow as JSON and imports the file back as an identical flow with a free slug', async ({
  signedIn: page,
}) => {
  const slug = uniqueSlug('roundtrip');
  const created = await createFlow(webhookToHttp(slug, 'https://example.com/x'));
  const original = await api<FlowAnswer>('GET', `/flows/${created.id}`);

  await page.goto('/');
  const download = page.waitForEvent('download');
  await page.getByRole('button', { name: `Export ${original.name}` }).click();
  const file = await download;
  expect(file.suggestedFilename()).toBe(`${slug}.json`);
  const path = await file.path();
  expect(JSON.parse(await readFile(path, 'utf8'))).toEqual(original.draft);

  await page.getByTestId('import-input').setInputFiles(path);
  await expect(page.getByText(`Imported “${original.name}” (${slug}-2).`)).toBeVisible();
  await expect(page.locator(`[data-testid=flow-row][data-flow-slug="${slug}-2"]`)).toBeVisible();

  const flows = await api<{ items: FlowAnswer[] }>('GET', '/flows');
  const imported = flows.items.find((f) => f.slug === `${slug}-2`);
  expect(imported?.draft).toEqual({ ...original.draft, slug: `${slug}-2` });
});
