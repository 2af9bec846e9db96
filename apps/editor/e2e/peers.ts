// Local HTTP peers on 127.0.0.1 standing in for Slack, a CRM, or a failing service.
import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface ReceivedRequest {
  method: string;
  url: string;
  headers: IncomingMessage['headers'];
  body: unknown;
}

export interface Peer {
  url: string;
  requests: ReceivedRequest[];
  /** The status the peer answers with from now on. */
  status: number;
  close(): Promise<void>;
}

async function readBody(req: IncomingMessage): Promise<unknown> {
  const chunks: Buffer[] = [];
  // without setEncoding, request chunks are Buffers
  for await (const chunk of req) chunks.push(chunk as Buffer);
  const text = Buffer.concat(chunks).toString('utf8');
  try {
    return text ? JSON.parse(text) : null;
  } catch {
    // not JSON: keep the text
    return text;
  }
}

/** Starts a peer that records requests and answers `{ ok }` with its current status. */
export async function startPeer(name: string, status = 200): Promise<Peer> {
  const peer: Peer = {
    url: '',
    requests: [],
    status,
    close: async () => {},
  };
  const server = createServer(async (req, res) => {
    const body = await readBody(req);
    peer.requests.push({ method: req.method ?? 'GET', url: req.url ?? '/', headers: req.headers, body });
    res.statusCode = peer.status;
    res.setHeader('content-type', 'application/json');
    res.end(JSON.stringify({ peer: name, ok: peer.status < 400 }));
  });
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  // a TCP server that is listening has an AddressInfo address
  const { port } = server.address() as AddressInfo;
  peer.url = `http://127.0.0.1:${port}`;
  peer.close = () => new Promise((done) => server.close(() => done()));
  return peer;
}
