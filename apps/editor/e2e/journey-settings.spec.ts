// The flow's rules in the editor: an exit goal, an error flow, the time zone and how long runs are kept,
// saved as the draft's settings and shown again on the next visit.
import { api, uniqueSlug } from './api';
import { settled } from './canvas';
import { expect, test } from './fixtures';
import { createFlow, webhookToHttp } from './flows';

interface Stored {
  draft: { settings: Record<string, unknown> };
}

test('sets an exit goal, an error flow and the retention from the flow settings panel', async ({
  signedIn: page,
}) => {
  const slug = uniqueSlug('rules');
  const alerts = await createFlow(webhookToHttp(uniqueSlug('alerts'), 'https://example.com/alert'));
  const flow = await createFlow(webhookToHttp(slug, 'https://example.com/hook'));
  const settings = async () => (await api<Stored>('GET', `/flows/${flow.id}`)).draft.settings;

  await page.goto(`/flows/${flow.id}`);
  const panel = page.getByRole('region', { name: 'Flow settings' });
  await panel.getByLabel('Exit when the person does').fill('Order Completed, Subscribed');
  await panel.getByLabel('When a run fails, start').selectOption({ label: alerts.name });
  await panel.getByLabel('Keep finished runs for (days)').fill('7');
  await panel.getByLabel('Time zone').fill('Europe/Berlin');
  await settled(page);
  await expect.poll(settings).toMatchObject({
    exitOn: { event: ['Order Completed', 'Subscribed'] },
    errorFlow: alerts.slug,
    retentionDays: 7,
    timezone: 'Europe/Berlin',
  });
  // a zone that is none is the API's problem, shown at the field
  await panel.getByLabel('Time zone').fill('Europe/Atlantis');
  await expect(panel).toContainText('an IANA time zone such as Europe/Berlin');
  await panel.getByLabel('Time zone').fill('Europe/Berlin');

  // an out-of-range value is the API's problem, shown at the field in words
  await panel.getByLabel('Keep finished runs for (days)').fill('0');
  await expect(panel).toContainText('Flow settings → Retention days: use 1 or more');
  await panel.getByLabel('Keep finished runs for (days)').fill('');
  await settled(page);
  await expect.poll(settings).not.toHaveProperty('retentionDays');

  await page.reload();
  await expect(panel.getByLabel('Exit when the person does')).toHaveValue('Order Completed, Subscribed');
  await expect(panel.getByLabel('When a run fails, start')).toHaveValue(alerts.slug);
  await expect(panel.getByLabel('Time zone')).toHaveValue('Europe/Berlin');
  await panel.getByLabel('Exit when the person does').fill('');
  await settled(page);
  await expect.poll(async () => (await settings()).exitOn).toBeUndefined();
});
