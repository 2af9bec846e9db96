// The code node in the editor: a run of a webhook → code flow shows the code's console lines in the step data.
import { api, fireWebhook, uniqueSlug } from './api';
import { nodeByName, selectNode } from './canvas';
import { expect, test } from './fixtures';
import { createFlow, webhookThen } from './flows';
import { waitUntil } from './wait';

test('shows what the code printed with its step in a run', async ({ signedIn: page }) => {
  const slug = uniqueSlug('code');
  const definition = webhookThen(slug, {
    id: 'code',
    type: 'logic.code',
    name: 'Score',
    config: {
      code: 'const score = $json.body.visits * 10;\nconsole.log("score", score);\nconsole.warn("high");\nreturn [{ score }];',
    },
  });
  const flow = await createFlow(definition, true);
  const fired = await fireWebhook(slug, { visits: 4 });
  const runId = fired.runs[0]?.id ?? '';
  await waitUntil('the code run to finish', 20_000, async () => {
    const run = await api<{ status: string }>('GET', `/runs/${runId}`);
    return run.status === 'succeeded';
  });

  await page.goto(`/flows/${flow.id}`);
  await page.getByRole('tab', { name: 'Runs' }).click();
  await page.locator(`[data-testid=run-row][data-run-id="${runId}"]`).click();
  await expect(nodeByName(page, 'Score').getByTestId('flow-node')).toHaveAttribute(
    'data-step-status',
    'succeeded',
  );
  await selectNode(page, 'Score');
  await page.getByRole('tab', { name: /^Data/ }).click();
  const stepData = page.getByTestId('step-data').first();
  await expect(stepData.getByTestId('step-console')).toContainText('score 40');
  await expect(stepData.locator('.console-warn')).toHaveText('high');
  await expect(stepData.locator('.port-output[data-port="main"]')).toContainText('"score": 40');
});
