// Backfill from the Versions tab: a condition the API refuses shows its problem and starts nothing; a good one
// replays the matching events of the last day, and the row follows the backfill to done.
import { api, fireWebhook, uniqueSlug } from './api';
import { expect, test } from './fixtures';
import { createFlow, webhookThen } from './flows';

test('starts a backfill of the matching events of the last day and follows it to done', async ({
  signedIn: page,
}) => {
  const slug = uniqueSlug('backfill');
  const flow = await createFlow(
    webhookThen(slug, {
      id: 'set',
      type: 'logic.set',
      name: 'Plan',
      config: { fields: { plan: '{{ $json.body.plan }}' } },
    }),
    true,
  );
  const pro = [
    (await fireWebhook(slug, { plan: 'pro' })).eventId,
    (await fireWebhook(slug, { plan: 'pro' })).eventId,
  ];
  await fireWebhook(slug, { plan: 'free' });

  await page.goto(`/flows/${flow.id}`);
  await page.getByRole('tab', { name: 'Versions' }).click();
  const form = page.getByRole('form', { name: 'Start a backfill' });
  await expect(form.getByLabel('Version')).toHaveValue('1');

  await form.getByLabel('Only events where (optional)').fill('{{ $json.body.plan = }}');
  await form.getByRole('button', { name: 'Start backfill' }).click();
  await expect(form.getByRole('alert')).toContainText('filter.condition');
  await expect(page.getByTestId('backfill-row')).toHaveCount(0);

  await form.getByLabel('Only events where (optional)').fill('{{ $json.body.plan = "pro" }}');
  await form.getByRole('button', { name: 'Start backfill' }).click();
  await expect(page.getByText('Backfill started: 3 events to look at.')).toBeVisible();
  const row = page.getByTestId('backfill-row');
  await expect(row).toHaveCount(1);
  await expect(row).toHaveAttribute('data-status', 'done', { timeout: 20_000 });
  await expect(row.getByTestId('backfill-progress')).toContainText('2 runs started');

  const [backfill] = (await api<{ items: Array<{ id: string }> }>('GET', `/flows/${flow.id}/backfills`))
    .items;
  const runs = await api<{ items: Array<{ eventId: string }> }>('GET', `/runs?backfill=${backfill?.id}`);
  expect(runs.items.map((r) => r.eventId).sort()).toEqual([...pro].sort());
});
