// docs/nodes against the node definitions (the committed pages must be what `npm run docs:nodes` writes), and
// the renderer itself: unions by variant, secret fields, credentials, examples that pass their schema.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { credentialTypes, defineNode, getCredentialType, nodeTypes, secretString } from '@tributary/nodes';
import { afterAll, afterEach, describe, expect, it, vi } from 'vitest';
import { z } from 'zod';
import { EXAMPLE_UUID, exampleConfig, exampleValue } from './node-docs/example-value.js';
import { jsonSchemaOf } from './node-docs/json-schema.js';
import { exampleFlowNode, renderNodePage } from './node-docs/node-page.js';
import { DOCS_DIR, driftOf, renderNodeDocs } from './node-docs/render.js';

/** The rows of every table in a piece of Markdown (header rows included), each cell trimmed of its padding. */
function tableRows(markdown: string): string[][] {
  return markdown
    .split('\n')
    .filter((line) => line.startsWith('|') && !/^[|\s-]+$/.test(line))
    .map((line) =>
      line
        .slice(1, -1)
        .split(/(?<!\\)\|/)
        .map((cell) => cell.trim()),
    );
}

/** The Markdown from a heading line up to the next heading. */
function under(markdown: string, heading: string): string {
  const start = markdown.indexOf(`\n${heading}\n`);
  if (start === -1) throw new Error(`no heading ${heading}`);
  const rest = markdown.slice(start + heading.length + 2);
  const next = rest.search(/^#{1,4} /m);
  return next === -1 ? rest : rest.slice(0, next);
}

const render = () => renderNodeDocs(nodeTypes, credentialTypes, getCredentialType);

describe('docs/nodes', () => {
  it('is what `npm run docs:nodes` writes from the current node definitions', () => {
    const { stale } = driftOf(DOCS_DIR, render());
    if (stale.length > 0) {
      expect.fail(
        `docs/nodes is stale: run \`npm run docs:nodes\` (changed or missing: ${stale.join(', ')})`,
      );
    }
  });

  it('holds no page of a node type that no longer exists', () => {
    const { extra } = driftOf(DOCS_DIR, render());
    if (extra.length > 0) {
      expect.fail(`docs/nodes is stale: run \`npm run docs:nodes\` (no node type for: ${extra.join(', ')})`);
    }
  });

  it('is formatted as Biome formats Markdown (tables padded), so `npm run lint` passes on it', () => {
    const biome = join(DOCS_DIR, '../../node_modules/.bin/biome');
    const check = spawnSync(biome, ['check', DOCS_DIR], { encoding: 'utf8' });
    expect(check.status, check.stdout + check.stderr).toBe(0);
  });

  it('has a page per node type and an index linking each of them', () => {
    const files = render();
    const index = files.get('README.md') ?? '';
    for (const node of nodeTypes) {
      expect(files.get(`${node.type}.md`)).toContain(`# ${node.title} (\`${node.type}\`)`);
      expect(index).toContain(`[\`${node.type}\`](${node.type}.md)`);
    }
    const credentialRows = tableRows(under(index, '## Credential types')).map((row) => row[0]);
    for (const credential of credentialTypes) expect(credentialRows).toContain(`\`${credential.type}\``);
  });
});

describe('driftOf', () => {
  const dirs: string[] = [];
  afterAll(() => {
    for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
  });

  it('names changed, missing and left-over files, and ignores files that are not Markdown', () => {
    const dir = mkdtempSync(join(tmpdir(), 'node-docs-'));
    dirs.push(dir);
    writeFileSync(join(dir, 'a.md'), 'same\n');
    writeFileSync(join(dir, 'b.md'), 'old\n');
    writeFileSync(join(dir, 'gone.md'), 'x\n');
    writeFileSync(join(dir, 'notes.txt'), 'x\n');
    const rendered = new Map([
      ['a.md', 'same\n'],
      ['b.md', 'new\n'],
      ['c.md', 'added\n'],
    ]);
    expect(driftOf(dir, rendered)).toEqual({ stale: ['b.md', 'c.md'], extra: ['gone.md'] });
  });
});

describe('the node page', () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  const notify = defineNode({
    type: 'action.test-notify',
    version: 2,
    category: 'action',
    title: 'Notify',
    description: 'Sends a notice.',
    icon: 'bell',
    config: z.strictObject({
      credential: z
        .uuid()
        .meta({ 'x-credential-types': ['slack', 'smtp'] })
        .describe('Who sends it'),
      apiKey: z.string().min(1).describe('Key of the notice service'),
      target: z
        .discriminatedUnion('kind', [
          z
            .strictObject({ kind: z.literal('email'), address: z.email().describe('Mailbox') })
            .describe('By e-mail'),
          z
            .strictObject({
              kind: z.literal('webhook'),
              url: z.url().describe('Where to post'),
              token: secretString('Token sent along'),
              retries: z.number().int().min(0).max(5).default(2).describe('How often to retry'),
            })
            .describe('To a webhook'),
        ])
        .describe('Where the notice goes'),
    }),
    secretFields: ['apiKey'],
    credential: { types: ['slack', 'smtp'] },
    retry: { attempts: 5, backoff: 'fixed', delayMs: 500, maxDelayMs: 120_000, jitter: false },
    outputDescription: 'The notice id.',
    run: () => ({ main: [] }),
  });
  const page = renderNodePage(notify, getCredentialType);

  it('lists each variant of a discriminated union with its own fields', () => {
    expect(tableRows(under(page, '## Config'))).toContainEqual([
      '`target`',
      'one of 2 variants by `kind` (see below)',
      'yes',
      'Where the notice goes',
    ]);
    expect(under(page, '#### `kind`: `"email"`')).toContain('By e-mail');
    expect(tableRows(under(page, '#### `kind`: `"email"`'))).toEqual([
      ['Field', 'Type', 'Required', 'Description'],
      ['`address`', 'string (email)', 'yes', 'Mailbox'],
    ]);
    const webhook = tableRows(under(page, '#### `kind`: `"webhook"`'));
    expect(under(page, '#### `kind`: `"webhook"`')).toContain('To a webhook');
    expect(webhook).toContainEqual(['`url`', 'string (uri)', 'yes', 'Where to post']);
    expect(webhook).toContainEqual(['`retries`', 'integer', 'no, default `2`', 'How often to retry']);
    expect(webhook.map((row) => row[0])).not.toContain('`kind`');
  });

  it('marks secret fields, whether writeOnly in the schema or named in secretFields', () => {
    const config = tableRows(under(page, '## Config'));
    const variant = tableRows(under(page, '#### `kind`: `"webhook"`'));
    expect(variant).toContainEqual([
      '`token`',
      'string',
      'yes',
      '**Secret:** masked in API answers. Token sent along',
    ]);
    expect(config).toContainEqual([
      '`apiKey`',
      'string',
      'yes',
      '**Secret:** masked in API answers. Key of the notice service',
    ]);
    expect(variant).toContainEqual(['`url`', 'string (uri)', 'yes', 'Where to post']);
  });

  it('lists the credential types it accepts with their fields, secrets marked', () => {
    expect(tableRows(under(page, '## Config'))).toContainEqual([
      '`credential`',
      'credential id (see [Credentials](#credentials))',
      'yes',
      'Who sends it',
    ]);
    expect(under(page, '## Credentials')).toContain('[all credential types](README.md#credential-types)');
    expect(tableRows(under(page, '### `slack`: Slack bot token'))).toContainEqual([
      '`token`',
      'string',
      'yes',
      'yes',
      'Bot token, e.g. "xoxb-…"',
    ]);
    const smtp = tableRows(under(page, '### `smtp`: SMTP server'));
    expect(smtp).toContainEqual(['`host`', 'string', 'yes', 'no', 'Host name or address of the server']);
    expect(smtp).toContainEqual(['`password`', 'string', 'no', 'yes', 'Password']);
  });

  it('shows its retry defaults and an example holding the required fields', () => {
    expect(tableRows(under(page, '## Retries'))).toContainEqual(['5', 'fixed', '500 ms', '120 s', 'no']);
    expect(exampleFlowNode(notify)).toEqual({
      id: 'test-notify',
      type: 'action.test-notify',
      name: 'Notify',
      config: {
        credential: EXAMPLE_UUID,
        apiKey: 'example',
        target: { kind: 'email', address: 'ada@example.com' },
      },
    });
  });

  it('says when the output ports depend on the config', () => {
    const switchPage = render().get('logic.switch.md') ?? '';
    expect(switchPage).toContain('**Output ports:** depend on the config (dynamic ports)');
  });

  it('gives every node type an example config that passes its schema', () => {
    const failing = nodeTypes.filter((node) => !node.config.safeParse(exampleFlowNode(node).config).success);
    expect(failing.map((node) => node.type)).toEqual([]);
  });

  it('renders the same files at any time of day (trigger samples stamp the clock)', () => {
    vi.useFakeTimers();
    vi.setSystemTime(new Date('2021-03-04T05:06:07.000Z'));
    const before = render();
    vi.setSystemTime(new Date('2030-12-31T23:59:59.999Z'));
    expect(render()).toEqual(before);
  });
});

describe('exampleValue', () => {
  const value = (schema: z.ZodType) => {
    const root = jsonSchemaOf(schema);
    return exampleValue(root, root);
  };

  it('prefers what the schema says: examples, default, enum, format', () => {
    expect(value(z.string().meta({ examples: ['ord_1'] }))).toBe('ord_1');
    expect(value(z.number().default(7))).toBe(7);
    expect(value(z.enum(['b', 'a']))).toBe('b');
    expect(value(z.url())).toBe('https://example.com/');
    expect(value(z.uuid())).toBe(EXAMPLE_UUID);
  });

  it('takes an e.g. from the description only when it fits the pattern and length', () => {
    expect(value(z.string().describe('A path, e.g. "orders/new"'))).toBe('orders/new');
    expect(value(z.string().regex(/^\d+$/).describe('e.g. "abc" or e.g. "42"'))).toBe('42');
    expect(value(z.string().min(40).describe('e.g. "short"'))).toBe('a'.repeat(40));
    expect(value(z.string().regex(/^[^@]+@[^@]+$/))).toBe('ada@example.com');
  });

  it('gives a config the optional fields its checks ask for and mends strings they refuse', () => {
    const config = z
      .strictObject({
        to: z.string().refine((to) => to.includes('@'), 'not an address'),
        text: z.string().optional(),
        html: z.string().optional(),
      })
      .refine((c) => c.text !== undefined || c.html !== undefined, {
        path: ['text'],
        message: 'text or html',
      });
    expect(exampleConfig(config)).toEqual({ to: 'ada@example.com', text: 'example' });
  });

  it('keeps numbers within their bounds', () => {
    expect(value(z.number().int().min(5))).toBe(5);
    expect(value(z.number().int().max(0))).toBe(0);
    expect(value(z.number().positive())).toBe(1);
  });
});
