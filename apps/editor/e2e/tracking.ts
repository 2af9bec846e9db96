// Tracking in end-to-end tests: a source made through the API, and calls sent with its write key as a site's
// Segment library would send them.
import { api, baseUrl } from './api';

export interface TestSource {
  id: string;
  writeKey: string;
  /** Sends one call (`track`, `identify`, `page`, …) and answers its HTTP status. */
  send(call: string, body: Record<string, unknown>): Promise<number>;
}

/** Creates a tracking source named `name`. */
export async function createTrackingSource(name: string): Promise<TestSource> {
  const source = await api<{ id: string; writeKey: string }>('POST', '/sources', { name });
  return {
    ...source,
    async send(call, body) {
      const res = await fetch(`${baseUrl}/v1/${call}`, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          authorization: `Basic ${Buffer.from(`${source.writeKey}:`).toString('base64')}`,
        },
        body: JSON.stringify(body),
      });
      return res.status;
    },
  };
}
