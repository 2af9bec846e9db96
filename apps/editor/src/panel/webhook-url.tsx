// The webhook trigger's public URL with a copy button and a curl example.
import { CopyButton } from '../ui/copy-button';

function shellQuote(text: string): string {
  return `'${text.replace(/'/g, `'\\''`)}'`;
}

/** The URL a webhook trigger with `path` listens on. */
export function webhookUrl(path: string): string {
  const clean = path.replace(/^\/+|\/+$/g, '');
  return `${window.location.origin}/hooks/${clean}`;
}

function curlFor(url: string, config: Record<string, unknown>): string {
  const method = typeof config.method === 'string' && config.method !== 'ANY' ? config.method : 'POST';
  const lines = [`curl -X ${method} ${shellQuote(url)}`];
  // the webhook config's auth is one of the union in its schema; only optional fields are read
  const auth = (config.auth ?? {}) as { type?: string; header?: string };
  // header names, user names and secrets are in the credential, which the editor never reads
  if (auth.type === 'header') lines.push(`-H ${shellQuote('<header from the credential>: <token>')}`);
  if (auth.type === 'basic') lines.push(`-u ${shellQuote('<user>:<password>')}`);
  if (auth.type === 'hmac')
    lines.push(`-H ${shellQuote(`${auth.header ?? 'x-signature'}: <HMAC of the body>`)}`);
  if (method !== 'GET' && method !== 'DELETE') {
    lines.push(`-H 'content-type: application/json'`);
    lines.push(`-d '{"email":"ada@example.com","plan":"pro"}'`);
  }
  return lines.join(' \\\n  ');
}

export function WebhookUrl({ config, published }: { config: Record<string, unknown>; published: boolean }) {
  const path = typeof config.path === 'string' ? config.path : '';
  if (!path) return <p className="muted">Set a path to get this trigger's URL.</p>;
  const url = webhookUrl(path);
  const curl = curlFor(url, config);
  return (
    <section className="webhook-url" aria-label="Webhook URL">
      <div className="webhook-url-row">
        <code data-testid="webhook-url">{url}</code>
        <CopyButton text={url} label="Copy the webhook URL" />
      </div>
      <p className="muted">
        {published
          ? 'Live for the published version.'
          : 'Publish the flow to make this URL start runs; a test run does not need it.'}
      </p>
      <details>
        <summary>curl example</summary>
        <div className="webhook-url-row">
          <pre className="curl" data-testid="webhook-curl">
            {curl}
          </pre>
          <CopyButton text={curl} label="Copy the curl example" />
        </div>
      </details>
    </section>
  );
}
