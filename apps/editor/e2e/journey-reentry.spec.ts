// Re-entry per person in the editor: the flow settings panel sets the rule, the flow is published, and two
// "Checkout Started" of one person start one run — the other event shows in the event log as kept out.
import { api, uniqueSlug } from './api';
import { settled } from './canvas';
import { expect, screenshot, test } from './fixtures';
import { createFlow } from './flows';
import { createTrackingSource } from './tracking';
import { waitUntil } from './wait';

interface Stored {
  draft: { settings: Record<string, unknown> };
}

test('"once" set in the panel lets a person enter once; their second event is refused in the event log', async ({
  signedIn: page,
}) => {
  const slug = uniqueSlug('reentry');
  const source = await createTrackingSource(`Shop ${slug}`);
  const definition = {
    name: `Cart ${slug}`,
    slug,
    nodes: [
      {
        id: 'start',
        type: 'trigger.tracking',
        name: 'Checkout started',
        config: { type: 'track', events: [`Checkout ${slug}`], sources: [source.id] },
        position: { x: 0, y: 0 },
      },
      {
        id: 'wait',
        type: 'logic.wait-for-event',
        name: 'Wait for the order',
        config: { event: `Order ${slug}`, timeoutMs: 3_600_000 },
        position: { x: 320, y: 0 },
      },
    ],
    edges: [{ id: 'e1', source: 'start', target: 'wait' }],
  };
  const flow = await createFlow(definition);
  const settings = async () => (await api<Stored>('GET', `/flows/${flow.id}`)).draft.settings;

  await page.goto(`/flows/${flow.id}`);
  const panel = page.getByRole('region', { name: 'Flow settings' });
  const reentry = panel.getByLabel('Re-entry per person');
  await expect(reentry).toHaveValue('always');
  // a minimum interval is typed with its unit
  await reentry.selectOption({ label: 'at most once per minimum interval' });
  await panel.getByLabel('Minimum interval').fill('2 h');
  await settled(page);
  await expect.poll(async () => (await settings()).reentry).toEqual({ minIntervalMs: 7_200_000 });
  await reentry.selectOption({ label: 'once: a person enters only once, ever' });
  await settled(page);
  await expect.poll(async () => (await settings()).reentry).toBe('once');
  await expect(panel.getByLabel('Minimum interval')).toHaveCount(0);

  await page.getByRole('button', { name: 'Publish', exact: true }).click();
  await expect(page.getByText('Published version 1.')).toBeVisible();

  const buyer = `buyer-${slug}`;
  for (const properties of [{ try: 1 }, { try: 2 }]) {
    expect(await source.send('track', { userId: buyer, event: `Checkout ${slug}`, properties })).toBe(200);
  }
  await waitUntil('both events in the log', 20_000, async () => {
    const events = await api<{ items: unknown[] }>('GET', `/events?person=${buyer}`);
    return events.items.length === 2;
  });

  await page.getByRole('tab', { name: 'Runs' }).click();
  await expect(page.getByTestId('run-row')).toHaveCount(1);

  await page.goto('/');
  await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Event log' }).click();
  await page.getByLabel('Person').fill(buyer);
  const rows = page.getByTestId('event-row');
  await expect(rows).toHaveCount(2);
  // the newest event is the one kept out
  await expect(rows.first()).toContainText(`not entered: Cart ${slug}`);
  await expect(rows.last()).not.toContainText('not entered');
  await rows
    .first()
    .getByRole('button', { name: `Checkout ${slug}` })
    .click();
  const detail = page.getByTestId('event-detail');
  await expect(detail).toContainText('This event started no run.');
  await expect(detail.getByRole('list', { name: 'Entries refused' })).toContainText(
    `Cart ${slug} did not start a run: its re-entry rule “once” kept this person out (their earlier run).`,
  );
  await expect(detail).toContainText('"try": 2');
  await screenshot(page, 'event-log-reentry');
  await detail.getByRole('link', { name: 'their earlier run' }).click();
  await expect(page.getByTestId('run-banner')).toContainText('waiting');
});
