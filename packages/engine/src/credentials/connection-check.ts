// POST /credentials/:id/test: a real connection check with the stored data, where the service has one.
import type { CredentialTestResult } from '@tributary/nodes';
import { boundTo, checkAllowedHost, getCredentialType, Redactor } from '@tributary/nodes';
import type { EngineContext } from '../core/index.js';
import { openCredential } from './store.js';

/** How long a connection check may take. */
const TEST_TIMEOUT_MS = 15_000;

/** Checks a stored credential against its service; a failure is an answer (`ok: false`), not an error. */
export async function testCredential(
  ctx: Pick<EngineContext, 'db' | 'keyring' | 'http' | 'resolveAddress'>,
  id: string,
): Promise<CredentialTestResult> {
  const credential = await openCredential(ctx.db, ctx.keyring, id);
  const type = getCredentialType(credential.type);
  if (!type?.test) {
    return {
      ok: true,
      message: `${type?.title ?? credential.type} credentials have no connection check; the stored data is well-formed`,
    };
  }
  const redactor = new Redactor();
  for (const secret of type.secretsOf(credential.data)) redactor.add(secret);
  const signal = AbortSignal.timeout(TEST_TIMEOUT_MS);
  try {
    const result = await type.test(credential.data, {
      http: { request: (req) => ctx.http.request(boundTo(credential, { signal, ...req })) },
      signal,
      // other protocols (SMTP, brokers) are bound by allowedHosts as HTTP is, before anything is dialled
      checkAddress: async (host) => {
        checkAllowedHost(host, credential.allowedHosts);
        return ctx.resolveAddress(host);
      },
    });
    return { ok: result.ok, message: redactor.text(result.message) };
  } catch (err) {
    const message = err instanceof Error ? err.message : String(err);
    return { ok: false, message: redactor.text(message) };
  }
}
