// The Hono floor: POST parses the same JSON body the webhook gets and answers 202 JSON; GET answers JSON.
// Run as its own process; prints {"port": n} once listening on 127.0.0.1.
import { serve } from '@hono/node-server';
import { Hono } from 'hono';

const app = new Hono();
let n = 0;
app.get('/floor', (c) => c.json({ ok: true }));
app.post('/hooks/floor', async (c) => {
  const body = await c.req.json<{ plan?: string }>();
  n++;
  return c.json({ eventId: String(n), duplicate: false, plan: body.plan ?? null }, 202);
});

const server = serve({ fetch: app.fetch, port: 0, hostname: '127.0.0.1' }, (info) => {
  process.stdout.write(`${JSON.stringify({ port: info.port })}\n`);
});
process.on('SIGTERM', () => server.close(() => process.exit(0)));
