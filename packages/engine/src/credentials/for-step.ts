// Opening the credential a step's node names: decrypted only here, only for a node that accepts its type.
import type { FlowNode } from '@tributary/flow';
import { FatalError, NotFoundError } from '@tributary/flow';
import type { NodeCredential, NodeType } from '@tributary/nodes';
import type { EngineContext } from '../core/index.js';
import { KeyringError } from '../core/index.js';
import { openCredential } from './store.js';

/** The credential `id` (the node's resolved `credential` field), checked against what the node accepts. */
export async function openCredentialForStep(
  ctx: Pick<EngineContext, 'db' | 'keyring'>,
  node: FlowNode,
  type: NodeType,
  id: unknown,
): Promise<NodeCredential> {
  if (type.credentialTypes.length === 0) {
    throw new FatalError(`node "${node.name}" (${type.type}) takes no credential`, { code: 'no_credential' });
  }
  if (typeof id !== 'string' || id === '') {
    throw new FatalError(`node "${node.name}" has no credential set`, { code: 'no_credential' });
  }
  let credential: NodeCredential;
  try {
    credential = await openCredential(ctx.db, ctx.keyring, id);
  } catch (err) {
    if (err instanceof NotFoundError) {
      throw new FatalError(`the credential of node "${node.name}" no longer exists (${id})`, {
        code: 'credential_not_found',
      });
    }
    if (err instanceof KeyringError) {
      throw new FatalError(`the credential of node "${node.name}" cannot be decrypted: ${err.message}`, {
        code: 'credential_unreadable',
      });
    }
    throw err;
  }
  const accepted = type.credentialTypesFor(node.config);
  if (!accepted.includes(credential.type)) {
    throw new FatalError(
      `credential "${credential.name}" is ${credential.type}; node "${node.name}" accepts ${accepted.join(', ')}`,
      { code: 'wrong_credential_type' },
    );
  }
  return credential;
}
