// The webhook trigger's auth as releases before credentials wrote it, secret inline: recognised so saving one
// is refused with advice, and so the start-up migration can move the secret into a credential.
import type { InlineSecret } from '../define-node.js';

type JsonObject = Record<string, unknown>;

function isObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** The old auth's fields that are not secret and stay on the new hmac auth. */
const HMAC_OPTIONS = ['header', 'algorithm', 'encoding', 'prefix'] as const;

/**
 * The secret an old-shape `auth` holds (`{type:'header', name, value}`, `{type:'basic', username, password}`,
 * `{type:'hmac', secret, …}`): the credential it belongs in and the config that refers to it instead.
 */
export function inlineWebhookSecret(config: Readonly<JsonObject>): InlineSecret | undefined {
  const auth = config.auth;
  if (!isObject(auth) || 'credential' in auth) return undefined;
  const moved = (
    data: JsonObject,
    credentialType: string,
    newAuth: (id: string) => JsonObject,
  ): InlineSecret => ({
    field: 'auth',
    credentialType,
    data,
    withCredential: (id: string) => ({ ...config, auth: newAuth(id) }),
  });
  if (auth.type === 'header' && 'value' in auth) {
    const data = { name: auth.name ?? 'x-webhook-token', value: auth.value };
    return moved(data, 'webhook.header', (id) => ({ type: 'header', credential: id }));
  }
  if (auth.type === 'basic' && 'password' in auth) {
    const data = { username: auth.username, password: auth.password };
    return moved(data, 'webhook.basic', (id) => ({ type: 'basic', credential: id }));
  }
  if (auth.type === 'hmac' && 'secret' in auth) {
    return moved({ secret: auth.secret }, 'webhook.hmac', (id) => {
      const options = HMAC_OPTIONS.filter((key) => key in auth).map((key) => [key, auth[key]]);
      return { type: 'hmac', credential: id, ...Object.fromEntries(options) };
    });
  }
  return undefined;
}
