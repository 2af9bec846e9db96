// defineCredentialType(): the one way to declare a kind of credential — its data schema (secret fields marked
// writeOnly), the hosts it names, and the connection check behind `POST /credentials/:id/test`.
import { z } from 'zod';
import type { HttpClient } from '../http/http-client.js';

/** What a connection check may use: the guarded HTTP client and a time limit. */
export interface CredentialTestContext {
  /** Outbound HTTP under the address policy, bound to the credential's allowedHosts. */
  http: HttpClient;
  signal: AbortSignal;
  /**
   * Checks that a TCP peer may be reached under the credential's allowedHosts and the address policy; returns
   * the address to dial.
   */
  checkAddress(host: string): Promise<string>;
}

/** The verdict of a connection check; `message` is shown to the user and never holds a secret. */
export interface CredentialTestResult {
  ok: boolean;
  message: string;
}

export interface CredentialTypeDefinition<S extends z.ZodObject> {
  /** Stable id, e.g. `slack` or `http.bearer`. */
  type: string;
  title: string;
  description: string;
  /** The data's schema: a strict object; secret fields made with `secretString()`. */
  data: S;
  /** A real connection check where the service has one; omitted where there is nothing to ask. */
  test?: (data: z.infer<S>, ctx: CredentialTestContext) => Promise<CredentialTestResult>;
  /**
   * Values derived from the data that are as secret as the data (e.g. the base64 of `user:password` sent in
   * an Authorization header): redacted wherever they appear, like the secret fields themselves.
   */
  derivedSecrets?: (data: z.infer<S>) => readonly string[];
}

/** A credential type as the store, the API and the nodes use it. */
export interface CredentialType<S extends z.ZodObject = z.ZodObject> {
  type: string;
  title: string;
  description: string;
  data: S;
  /** Names of the data fields that hold secrets (writeOnly in the JSON Schema). */
  secretFields: readonly string[];
  /** All data fields, in schema order. */
  fields: readonly string[];
  test: ((data: z.infer<S>, ctx: CredentialTestContext) => Promise<CredentialTestResult>) | undefined;
  /** Every secret string of this data: the secret fields' values and what is derived from them. */
  secretsOf(data: Readonly<Record<string, unknown>>): string[];
}

/** A secret string field: `writeOnly` tells the editor to render a password input and never echo it. */
export function secretString(description: string, max = 4096) {
  return z.string().min(1).max(max).meta({ writeOnly: true }).describe(description);
}

function isWriteOnly(schema: z.ZodType): boolean {
  // optional and defaulted wrappers keep the meta of the schema they wrap
  let current: z.ZodType | undefined = schema;
  while (current) {
    if (z.globalRegistry.get(current)?.writeOnly === true) return true;
    const inner: unknown = (current as { unwrap?: () => unknown }).unwrap?.();
    current = inner instanceof z.ZodType ? inner : undefined;
  }
  return false;
}

/** Declares a credential type. */
export function defineCredentialType<S extends z.ZodObject>(
  def: CredentialTypeDefinition<S>,
): CredentialType<S> {
  const shape = def.data.shape as Record<string, z.ZodType>;
  const fields = Object.keys(shape);
  const secretFields = fields.filter((name) => isWriteOnly(shape[name] as z.ZodType));
  return {
    type: def.type,
    title: def.title,
    description: def.description,
    data: def.data,
    secretFields,
    fields,
    test: def.test,
    secretsOf(data) {
      const found: string[] = [];
      for (const name of secretFields) {
        const value = data[name];
        if (typeof value === 'string' && value !== '') found.push(value);
      }
      if (def.derivedSecrets) {
        const parsed = def.data.safeParse(data);
        if (parsed.success) found.push(...def.derivedSecrets(parsed.data));
      }
      return found;
    },
  };
}

/**
 * A node's `credential` config field: the id of a stored credential of one of `types`. The JSON Schema
 * carries `x-credential-types`, so the editor renders a picker of those credentials.
 */
export function credentialField(types: readonly string[], description = 'The credential to use') {
  return z
    .uuid({ error: 'choose a credential' })
    .meta({ 'x-credential-types': [...types] })
    .describe(description);
}
