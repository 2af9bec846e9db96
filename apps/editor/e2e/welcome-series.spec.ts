// A welcome series with a frequency cap and quiet hours, set up in the editor against the real server: events
// come from Segment's own Node client, the e-mail goes to a real local SMTP server, and the run view says who
// got the mail, who was capped and who waits for their quiet hours to end.
import { Analytics } from '@segment/analytics-node';
import { api, baseUrl, uniqueSlug } from './api';
import { connect, edges, nodeByName, selectNode, settled } from './canvas';
import { expect, screenshot, test } from './fixtures';
import { createFlow } from './flows';
import { type SmtpPeer, startSmtpPeer } from './smtp';
import { createTrackingSource } from './tracking';
import { waitUntil } from './wait';

let smtp: SmtpPeer;

test.beforeAll(async () => {
  smtp = await startSmtpPeer();
});

test.afterAll(async () => {
  await smtp?.close();
  // the cap is the instance's: leave none behind for other specs
  const caps = await api<{ items: Array<{ id: string }> }>('GET', '/frequency-caps');
  for (const cap of caps.items) await api('DELETE', `/frequency-caps/${cap.id}`);
});

/** The time of day `minutes` from now on the clock of `zone`, HH:MM. */
function clockIn(zone: string, minutes: number): string {
  return new Intl.DateTimeFormat('en-GB', {
    timeZone: zone,
    hour: '2-digit',
    minute: '2-digit',
    hourCycle: 'h23',
  }).format(Date.now() + minutes * 60_000);
}

interface RunItem {
  id: string;
  status: string;
}

test('a welcome series: one e-mail per person per day, none in the person’s quiet hours', async ({
  signedIn: page,
}) => {
  const slug = uniqueSlug('welcome');
  const event = `Signed Up ${slug}`;
  const source = await createTrackingSource(uniqueSlug('site'));
  const mailer = await api<{ id: string }>('POST', '/credentials', {
    name: uniqueSlug('mailer'),
    type: 'smtp',
    data: { host: '127.0.0.1', port: smtp.port, from: 'Shop <hello@shop.example>' },
  });
  const flow = await createFlow({
    name: `Welcome ${slug}`,
    slug,
    nodes: [
      {
        id: 'start',
        type: 'trigger.tracking',
        name: 'Signed up',
        config: { type: 'track', events: [event] },
      },
      {
        id: 'mail',
        type: 'action.email',
        name: 'Welcome mail',
        position: { x: 300, y: 0 },
        config: {
          credential: mailer.id,
          to: '{{ $event.payload.properties.email }}',
          subject: 'Welcome!',
          text: 'Glad to have you.',
        },
      },
      {
        id: 'note',
        type: 'logic.set',
        name: 'Not sent',
        position: { x: 600, y: 150 },
        config: { fields: { capped: true } },
      },
    ],
    edges: [{ id: 'e1', source: 'start', target: 'mail' }],
  } as { name: string; slug: string });

  // the cap, on the Frequency caps page: one e-mail per person per day, across all flows
  await page.goto('/frequency-caps');
  const form = page.getByRole('form', { name: 'New frequency cap' });
  await form.getByLabel('Channel', { exact: true }).fill('email');
  await form.getByLabel('At most (messages per person)').fill('1');
  await form.getByLabel('Per', { exact: true }).fill('1');
  await form.getByLabel('Unit').selectOption('days');
  await form.getByRole('button', { name: 'Add cap' }).click();
  await expect(page.getByTestId('frequency-cap-row')).toContainText('At most 1 email per day');

  // the mail node's channel tag gives it a capped port, connected to "Not sent"
  await page.goto(`/flows/${flow.id}`);
  await selectNode(page, 'Welcome mail');
  await page.getByRole('tab', { name: 'Options' }).click();
  await page.getByLabel('Channel tag').fill('email');
  await expect(page.getByLabel('At the frequency cap')).toHaveValue('port');
  await expect(nodeByName(page, 'Welcome mail').locator('.flow-node-channel')).toHaveText('email');
  await connect(page, 'Welcome mail', 'capped', 'Not sent');
  await expect(edges(page)).toHaveCount(2);

  // quiet hours from an hour ago to two hours ahead on Kolkata's clock: over on UTC's, the flow's default
  await page.keyboard.press('Escape');
  const settings = page.getByRole('region', { name: 'Flow settings' });
  await settings.getByLabel('Do not send at night').check();
  const start = clockIn('Asia/Kolkata', -60);
  const end = clockIn('Asia/Kolkata', 120);
  await settings.getByLabel('From').fill(start);
  await settings.getByLabel('Until').fill(end);
  await settled(page);
  await expect
    .poll(
      async () => (await api<{ draft: { settings: unknown } }>('GET', `/flows/${flow.id}`)).draft.settings,
    )
    .toEqual({ quietHours: { start, end, timezoneTrait: 'timezone' } });
  await expect(page.getByTestId('problems-button')).toHaveText('No problems');
  await page.getByRole('button', { name: 'Publish', exact: true }).click();
  await expect(page.getByText('Published version 1.')).toBeVisible();

  // the site's events, sent by Segment's own client to the server's /v1/batch
  const analytics = new Analytics({ writeKey: source.writeKey, host: baseUrl, flushAt: 1, maxRetries: 1 });
  analytics.identify({ userId: 'kiran', traits: { timezone: 'Asia/Kolkata' } });
  for (const userId of ['ann', 'bob', 'kiran']) {
    analytics.track({ userId, event, properties: { email: `${userId}@people.example` } });
  }
  await analytics.closeAndFlush({ timeout: 10_000 });
  const runsOf = async (person: string) =>
    (await api<{ items: RunItem[] }>('GET', `/runs?flowId=${flow.id}&person=${person}`)).items;
  await waitUntil("ann's run", 20_000, async () => (await runsOf('ann'))[0]?.status === 'succeeded');
  // Ann signs up again the same day: capped
  const again = new Analytics({ writeKey: source.writeKey, host: baseUrl, flushAt: 1, maxRetries: 1 });
  again.track({ userId: 'ann', event, properties: { email: 'ann@people.example' } });
  await again.closeAndFlush({ timeout: 10_000 });
  const annRuns = await waitUntil("ann's second run", 20_000, async () => {
    const runs = await runsOf('ann');
    return runs.length === 2 && runs.every((r) => r.status === 'succeeded') ? runs : undefined;
  });
  const [bobRun] = await waitUntil("bob's run", 20_000, async () => {
    const runs = await runsOf('bob');
    return runs[0]?.status === 'succeeded' ? runs : undefined;
  });
  const [kiranRun] = await waitUntil("kiran's run to wait", 20_000, async () => {
    const runs = await runsOf('kiran');
    return runs[0]?.status === 'waiting' ? runs : undefined;
  });
  expect(smtp.recipients.sort()).toEqual([['ann@people.example'], ['bob@people.example']]);

  // who got what, read from the run view
  const [annCapped, annFirst] = annRuns;
  const stepSays = async (runId: string | undefined) => {
    await page.goto(`/flows/${flow.id}?run=${runId}`);
    await selectNode(page, 'Welcome mail');
    await page.getByRole('tab', { name: /^Data/ }).click();
    return page.getByTestId('step-data').first();
  };
  const first = await stepSays(annFirst?.id);
  await expect(first).toHaveAttribute('data-step-status', 'succeeded');
  await expect(first.locator('.port-output[data-port="main"]')).toContainText('ann@people.example');
  await expect(first.getByTestId('step-held')).toHaveCount(0);

  const capped = await stepSays(annCapped?.id);
  await expect(capped.getByTestId('step-held')).toHaveText(
    /^Capped \(at most 1 email per day\): not sent; took the capped port\./,
  );
  await expect(capped.locator('.port-output[data-port="capped"]')).toBeVisible();
  await screenshot(page, 'welcome-capped');

  const bob = await stepSays(bobRun?.id);
  await expect(bob).toHaveAttribute('data-step-status', 'succeeded');

  const kiran = await stepSays(kiranRun?.id);
  await expect(kiran).toHaveAttribute('data-step-status', 'waiting');
  await expect(kiran.getByTestId('step-held')).toContainText(
    `Delayed by quiet hours (${start}–${end}) until`,
  );
  await expect(kiran.getByTestId('step-held')).toContainText(`${end} Asia/Kolkata`);
  await screenshot(page, 'welcome-quiet-hours');
});
