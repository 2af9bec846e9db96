// A Discord peer on loopback: Execute Webhook (POST /api/webhooks/:id/:token) with Discord's answer shapes.
import type { ServerResponse } from 'node:http';
import { type RecordedRequest, type ScriptedPeer, startScriptedPeer } from './http-peer.js';

/** A message the peer accepted. */
export interface DiscordPosted {
  id: string;
  body: Record<string, unknown>;
}

export interface DiscordPeer extends ScriptedPeer {
  /** The URL of its one webhook, e.g. `http://127.0.0.1:4321/api/webhooks/1234…/token…`. */
  readonly webhookUrl: string;
  readonly webhookId: string;
  readonly channelId: string;
  readonly posted: DiscordPosted[];
}

function json(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(JSON.stringify(body));
}

function tooLong(field: string, max: number) {
  return {
    code: 50035,
    message: 'Invalid Form Body',
    errors: {
      [field]: { _errors: [{ code: 'BASE_TYPE_MAX_LENGTH', message: `Must be ${max} or fewer in length.` }] },
    },
  };
}

/** Starts a Discord peer whose webhook has this token. */
export async function startDiscordPeer(token: string): Promise<DiscordPeer> {
  const webhookId = '1234567890123456789';
  const channelId = '9876543210987654321';
  const posted: DiscordPosted[] = [];
  let seq = 0;

  /** Execute Webhook: the status and JSON body of Discord's answer (no body for a 204). */
  function execute(req: RecordedRequest): [number, unknown] {
    const url = new URL(req.url, 'http://peer');
    const match = /^\/api\/webhooks\/(\d+)\/([^/]+)$/.exec(url.pathname);
    if (!match || match[1] !== webhookId) return [404, { message: 'Unknown Webhook', code: 10015 }];
    if (match[2] !== token) return [401, { message: 'Invalid Webhook Token', code: 50027 }];
    let body: Record<string, unknown>;
    try {
      body = JSON.parse(req.body.toString('utf8'));
    } catch {
      return [400, { code: 50109, message: 'The request body contains invalid JSON.' }];
    }
    const content = typeof body.content === 'string' ? body.content : '';
    const embeds = Array.isArray(body.embeds) ? body.embeds : [];
    if (content.length > 2000) return [400, tooLong('content', 2000)];
    if (content === '' && embeds.length === 0)
      return [400, { code: 50006, message: 'Cannot send an empty message' }];
    seq += 1;
    const id = `11112222333344445${String(seq).padStart(2, '0')}`;
    posted.push({ id, body });
    if (url.searchParams.get('wait') !== 'true') return [204, undefined];
    return [
      200,
      {
        id,
        type: 0,
        content,
        channel_id: channelId,
        webhook_id: webhookId,
        author: { id: webhookId, username: body.username ?? 'Alerts', bot: true },
        embeds,
        timestamp: '2024-04-05T12:00:00.000000+00:00',
      },
    ];
  }

  const peer = await startScriptedPeer(
    (req, res) => {
      if (req.method !== 'POST') return json(res, 405, { message: '405: Method Not Allowed', code: 0 });
      const [status, body] = execute(req);
      if (body === undefined) {
        res.writeHead(status);
        res.end();
      } else json(res, status, body);
    },
    () => posted.splice(0),
  );
  return {
    ...peer,
    webhookUrl: `${peer.http.url}/api/webhooks/${webhookId}/${token}`,
    webhookId,
    channelId,
    posted,
  };
}
