// The step's credential read as the type a node expects: its data parsed by that type's schema.
import { FatalError } from '@tributary/flow';
import type { z } from 'zod';
import type { CredentialType } from './define-credential.js';
import type { NodeCredential } from './http-auth.js';

/** The step's credential, and its data as the credential type's schema reads it. */
export interface TypedCredential<D> {
  credential: NodeCredential;
  data: D;
}

/**
 * Reads the credential the step's config names and parses its data by `type`'s schema; data that does not
 * parse fails the step (fatal, `invalid_credential`) with the message `problem` gives, which names no secret.
 */
export async function credentialOfType<S extends z.ZodObject>(
  ctx: { credential(): Promise<NodeCredential> },
  type: CredentialType<S>,
  problem: string | ((credential: NodeCredential) => string),
): Promise<TypedCredential<z.output<S>>> {
  const credential = await ctx.credential();
  const parsed = type.data.safeParse(credential.data);
  if (!parsed.success) {
    const message = typeof problem === 'string' ? problem : problem(credential);
    throw new FatalError(message, { code: 'invalid_credential' });
  }
  return { credential, data: parsed.data };
}
