// A Microsoft Teams peer on loopback: an incoming webhook (answers "1") and a Power Automate workflow trigger
// (answers 202), with the answer shapes of both.
import type { ServerResponse } from 'node:http';
import { type RecordedRequest, type ScriptedPeer, startScriptedPeer } from './http-peer.js';

export interface TeamsPeer extends ScriptedPeer {
  /** An incoming webhook URL whose secret part is the peer's secret. */
  readonly webhookUrl: string;
  /** A workflow trigger URL signed with the peer's secret (`sig`). */
  readonly workflowUrl: string;
  /** Bodies of the messages it accepted. */
  readonly posted: unknown[];
}

const GROUP = '3f2504e0-4f89-11d3-9a0c-0305e82c3301@72f988bf-86f1-41af-91ab-2d7cd011db47';
const WORKFLOW = 'a1b2c3d4e5f60718293a4b5c6d7e8f90';

function text(res: ServerResponse, status: number, body: string): void {
  res.writeHead(status, { 'content-type': 'text/plain; charset=utf-8' });
  res.end(body);
}

/** A message Teams can show: text, or a message activity carrying at least one attachment. */
function isMessage(body: unknown): boolean {
  if (typeof body !== 'object' || body === null) return false;
  if ('text' in body && typeof body.text === 'string' && body.text !== '') return true;
  return 'attachments' in body && Array.isArray(body.attachments) && body.attachments.length > 0;
}

/** Starts a Teams peer whose webhook and workflow URLs carry this secret. */
export async function startTeamsPeer(secret: string): Promise<TeamsPeer> {
  const posted: unknown[] = [];
  const webhookPath = `/webhookb2/${GROUP}/IncomingWebhook/${secret}/0b7e2f51-7c37-4a4b-9a23-94c2b8a6d2f1`;
  const workflowPath = `/workflows/${WORKFLOW}/triggers/manual/paths/invoke`;

  function body(req: RecordedRequest): unknown {
    try {
      return JSON.parse(req.body.toString('utf8'));
    } catch {
      return undefined;
    }
  }

  /** An incoming webhook answers "1" once it took the message, or a 400 with a line of text. */
  function incomingWebhook(req: RecordedRequest, res: ServerResponse): void {
    const message = body(req);
    if (isMessage(message)) {
      posted.push(message);
      text(res, 200, '1');
    } else text(res, 400, 'Bad payload received by generic incoming webhook.');
  }

  /** A workflow trigger answers 202 once the run started, or its errors as `{ error: { code, message } }`. */
  function workflow(req: RecordedRequest, res: ServerResponse): void {
    const sig = new URL(req.url, 'http://peer').searchParams.get('sig');
    const message = body(req);
    const error =
      sig !== secret
        ? [401, 'DirectApiInvalidAuthorizationSignature', `The provided signature '${sig}' is not valid.`]
        : isMessage(message)
          ? undefined
          : [400, 'InvalidRequestContent', 'The input body for trigger is not valid.'];
    if (error) {
      const [status, code, text] = error;
      res.writeHead(Number(status), { 'content-type': 'application/json; charset=utf-8' });
      res.end(JSON.stringify({ error: { code, message: text } }));
    } else {
      posted.push(message);
      res.writeHead(202);
      res.end();
    }
  }

  const peer = await startScriptedPeer(
    (req, res) => {
      const path = new URL(req.url, 'http://peer').pathname;
      if (req.method === 'POST' && path === webhookPath) incomingWebhook(req, res);
      else if (req.method === 'POST' && path === workflowPath) workflow(req, res);
      else text(res, 404, 'Not Found');
    },
    () => posted.splice(0),
  );
  const { url } = peer.http;
  return {
    ...peer,
    webhookUrl: `${url}${webhookPath}`,
    workflowUrl: `${url}${workflowPath}?api-version=1&sp=%2Ftriggers%2Fmanual%2Frun&sv=1.0&sig=${secret}`,
    posted,
  };
}
