// A small client of the API for test setup and checks (the editor itself is driven through the browser).

export const baseUrl = `http://127.0.0.1:${process.env.TRIBUTARY_E2E_PORT ?? '41000'}`;
export const apiKey = process.env.TRIBUTARY_E2E_KEY ?? '';

/** Calls /api/v1 with the test key and returns the parsed JSON (throws on an error status). */
export async function api<T = unknown>(method: string, path: string, body?: unknown): Promise<T> {
  const res = await fetch(`${baseUrl}/api/v1${path}`, {
    method,
    headers: {
      authorization: `Bearer ${apiKey}`,
      ...(body === undefined ? {} : { 'content-type': 'application/json' }),
    },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  if (!res.ok) throw new Error(`${method} ${path} answered ${res.status}: ${text}`);
  // the caller names the shape of the route it called
  return (text ? JSON.parse(text) : undefined) as T;
}

/** Fires a webhook as an outside caller would. */
export async function fireWebhook(
  path: string,
  body: unknown,
): Promise<{ eventId: string; runs: { id: string }[] }> {
  const res = await fetch(`${baseUrl}/hooks/${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  if (res.status !== 202) throw new Error(`webhook answered ${res.status}: ${await res.text()}`);
  // the webhook's 202 answer
  return (await res.json()) as { eventId: string; runs: { id: string }[] };
}

let counter = 0;

/** A slug (and webhook path) no other test uses. */
export function uniqueSlug(prefix: string): string {
  counter += 1;
  return `${prefix}-${Date.now().toString(36)}-${counter}`;
}
