import { describe, expect, test } from 'vitest';
import type { LocalCatalogue } from './catalogue.js';
import { loadCatalogue } from './catalogue.js';
import { namesCredentials, resolveCredentialNames, writeCredentialNames } from './credential-refs.js';

const catalogue: LocalCatalogue = await loadCatalogue();
const known = [
  { id: '0190a1b2-0000-7000-8000-000000000001', name: 'crm-prod', type: 'http.bearer' },
  { id: '0190a1b2-0000-7000-8000-000000000002', name: 'hook-token', type: 'webhook.header' },
  { id: '0190a1b2-0000-7000-8000-000000000003', name: 'slack-bot', type: 'slack' },
];

function definition(callCredential: unknown, hookCredential: unknown = undefined) {
  return {
    name: 'F',
    slug: 'f',
    nodes: [
      {
        id: 'hook',
        type: 'trigger.webhook',
        name: 'Hook',
        config: {
          path: 'p',
          ...(hookCredential ? { auth: { type: 'header', credential: hookCredential } } : {}),
        },
      },
      {
        id: 'call',
        type: 'action.http',
        name: 'Call',
        config: { url: 'https://x.example', credential: callCredential },
      },
      { id: 'set', type: 'logic.set', name: 'Set', config: { credential: { name: 'crm-prod' } } },
    ],
    edges: [],
  };
}

describe('credentials by name', () => {
  test('names at the top of a config and one level down resolve to ids; other nodes are left alone', () => {
    const doc = definition({ name: 'crm-prod' }, { name: 'hook-token' });
    expect(namesCredentials(doc, catalogue)).toBe(true);
    const { definition: resolved, problems } = resolveCredentialNames(doc, known, catalogue, 'http://x');
    expect(problems).toEqual([]);
    expect(resolved.nodes).toMatchObject([
      { config: { auth: { credential: known[1]?.id } } },
      { config: { credential: known[0]?.id } },
      // logic.set takes no credential: its field is config, not a reference
      { config: { credential: { name: 'crm-prod' } } },
    ]);
    expect(doc.nodes[1]?.config.credential).toEqual({ name: 'crm-prod' });
  });

  test('a missing name and a credential of the wrong type are problems at the field', () => {
    const { problems } = resolveCredentialNames(
      definition({ name: 'nope' }, { name: 'slack-bot' }),
      known,
      catalogue,
      'http://x',
    );
    expect(problems).toEqual([
      expect.objectContaining({ path: 'nodes[0].config.auth.credential', code: 'wrong_credential_type' }),
      expect.objectContaining({
        path: 'nodes[1].config.credential',
        code: 'credential_name_not_found',
        message: expect.stringContaining('no credential named "nope" on http://x'),
      }),
    ]);
  });

  test('export writes names for ids it knows, and keeps unknown ids', () => {
    const gone = '0190a1b2-0000-7000-8000-00000000dead';
    const { definition: named, unknownIds } = writeCredentialNames(
      definition(known[0]?.id, gone),
      known,
      catalogue,
    );
    expect((named.nodes as unknown[]).slice(0, 2)).toMatchObject([
      { config: { auth: { credential: gone } } },
      { config: { credential: { name: 'crm-prod' } } },
    ]);
    expect(unknownIds).toEqual([gone]);
  });
});
