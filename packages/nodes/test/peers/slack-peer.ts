// A Slack peer on loopback: chat.postMessage of the Web API and incoming webhooks, with Slack's answer shapes.
import type { ServerResponse } from 'node:http';
import { type RecordedRequest, type ScriptedPeer, startScriptedPeer } from './http-peer.js';

/** A channel the peer knows. */
export interface SlackChannel {
  id: string;
  name: string;
  /** Whether the bot was invited; posting to a channel it is not in fails with not_in_channel. */
  member: boolean;
  archived?: boolean;
}

/** A message the peer accepted. */
export interface SlackPosted {
  channel: string;
  ts: string;
  text?: string;
  blocks?: unknown[];
  threadTs?: string;
}

export interface SlackPeer extends ScriptedPeer {
  /** Base URL of its Web API, e.g. `http://127.0.0.1:4321/api`. */
  readonly apiUrl: string;
  /** The URL of its one incoming webhook. */
  readonly webhookUrl: string;
  readonly posted: SlackPosted[];
}

export interface SlackPeerOptions {
  /** The bot token it accepts. */
  token: string;
  /** The secret last part of its incoming webhook's path. */
  webhookSecret: string;
  channels: SlackChannel[];
}

function json(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8' });
  res.end(JSON.stringify(body));
}

function parse(req: RecordedRequest): Record<string, unknown> | undefined {
  try {
    const body: unknown = JSON.parse(req.body.toString('utf8'));
    return typeof body === 'object' && body !== null ? (body as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

/** Starts a Slack peer. */
export async function startSlackPeer(options: SlackPeerOptions): Promise<SlackPeer> {
  const posted: SlackPosted[] = [];
  let seq = 0;

  function problem(message: Record<string, unknown>): string | undefined {
    const text = message.text;
    const blocks = message.blocks;
    if ((typeof text !== 'string' || text === '') && !Array.isArray(blocks)) return 'no_text';
    if (typeof text === 'string' && text.length > 40_000) return 'msg_too_long';
    return undefined;
  }

  /** The Web API answers every call with 200 and `ok`; `error` names what went wrong. */
  function postMessage(req: RecordedRequest): Record<string, unknown> {
    const auth = req.headers.authorization;
    if (auth === undefined) return { ok: false, error: 'not_authed' };
    if (auth !== `Bearer ${options.token}`) return { ok: false, error: 'invalid_auth' };
    const body = parse(req);
    if (!body) return { ok: false, error: 'invalid_json' };
    const wanted = body.channel;
    const channel = options.channels.find((c) => c.id === wanted || `#${c.name}` === wanted);
    if (!channel) return { ok: false, error: 'channel_not_found' };
    if (channel.archived) return { ok: false, error: 'is_archived' };
    if (!channel.member) return { ok: false, error: 'not_in_channel' };
    const error = problem(body);
    if (error) return { ok: false, error };
    seq += 1;
    const ts = `1712345678.${String(seq).padStart(6, '0')}`;
    const message: SlackPosted = { channel: channel.id, ts };
    if (typeof body.text === 'string') message.text = body.text;
    if (Array.isArray(body.blocks)) message.blocks = body.blocks;
    if (typeof body.thread_ts === 'string') message.threadTs = body.thread_ts;
    posted.push(message);
    return {
      ok: true,
      channel: channel.id,
      ts,
      message: {
        type: 'message',
        user: 'U0BOT',
        bot_id: 'B0BOT',
        text: message.text ?? '',
        ts,
        ...(message.blocks ? { blocks: message.blocks } : {}),
        ...(message.threadTs ? { thread_ts: message.threadTs } : {}),
      },
    };
  }

  /** Incoming webhooks answer with a status and a bare word: "ok", or the error's name. */
  function webhook(req: RecordedRequest): [number, string] {
    if (req.url !== `/services/T0001/B0001/${options.webhookSecret}`) return [403, 'invalid_token'];
    const body = parse(req);
    if (!body) return [400, 'invalid_payload'];
    const error = problem(body);
    if (error) return [400, error];
    seq += 1;
    posted.push({
      channel: 'C-WEBHOOK',
      ts: `1712345678.${String(seq).padStart(6, '0')}`,
      ...(typeof body.text === 'string' ? { text: body.text } : {}),
      ...(Array.isArray(body.blocks) ? { blocks: body.blocks } : {}),
    });
    return [200, 'ok'];
  }

  const peer = await startScriptedPeer(
    (req, res) => {
      if (req.method === 'POST' && req.url === '/api/chat.postMessage')
        return json(res, 200, postMessage(req));
      if (req.method === 'POST' && req.url.startsWith('/services/')) {
        const [status, word] = webhook(req);
        res.writeHead(status, { 'content-type': 'text/html' });
        res.end(word);
        return;
      }
      json(res, 404, { ok: false, error: 'unknown_method' });
    },
    () => posted.splice(0),
  );
  return {
    ...peer,
    apiUrl: `${peer.http.url}/api`,
    webhookUrl: `${peer.http.url}/services/T0001/B0001/${options.webhookSecret}`,
    posted,
  };
}
