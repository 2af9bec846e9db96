// Test helper: a POST over real HTTP whose body goes out in separate writes (chunked unless a
// content-length is given) and whose headers are raw pairs, repeated names kept.
import { request as httpRequest } from 'node:http';

export interface ChunkedPost {
  port: number;
  path: string;
  headers?: Array<[string, string]>;
  chunks: Array<string | Uint8Array>;
}

/** Sends the request and answers with its status and text body. */
export function postChunks({ port, path, headers = [], chunks }: ChunkedPost) {
  return new Promise<{ status: number; body: string }>((resolve, reject) => {
    const req = httpRequest({ host: '127.0.0.1', port, path, method: 'POST', agent: false });
    for (const [name, value] of headers) {
      const prev = req.getHeader(name);
      req.setHeader(name, prev === undefined ? value : [...[prev].flat().map(String), value]);
    }
    req.on('response', (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (d: string) => {
        body += d;
      });
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('error', reject);
    for (const chunk of chunks) req.write(chunk);
    req.end();
  });
}
