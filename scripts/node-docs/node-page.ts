// One node type's page: what it is, its ports and behaviour, config, credentials, retries, output and example.
import type { CredentialType, NodeType } from '@tributary/nodes';
import { type ConfigField, configDocOf, requiredLabel, type VariantGroup } from './config-fields.js';
import { credentialFieldsTable } from './credential-fields.js';
import { exampleConfig } from './example-value.js';
import { codeValue, jsonSchemaOf } from './json-schema.js';
import { cell, document, jsonBlock, table, text } from './markdown.js';

/** Finds a credential type by its id (the catalogue's getCredentialType). */
export type CredentialLookup = (type: string) => CredentialType | undefined;

/** The header line every generated file starts with. */
export const GENERATED_NOTE =
  '<!-- Generated from the node definitions by `npm run docs:nodes`; do not edit by hand. -->';

/** The example a page shows: a flow node with the fewest config fields that pass the node's schema. */
export function exampleFlowNode(node: NodeType): {
  id: string;
  type: string;
  name: string;
  config: Record<string, unknown>;
} {
  const id = node.type.slice(node.type.lastIndexOf('.') + 1).replace(/[^A-Za-z0-9_-]/g, '-');
  return { id, type: node.type, name: node.title, config: exampleConfig(node.config) };
}

/** The Markdown page of one node type. */
export function renderNodePage(node: NodeType, credentialType: CredentialLookup): string {
  return document([
    GENERATED_NOTE,
    `# ${text(node.title)} (\`${node.type}\`)`,
    text(node.description),
    overview(node),
    behaviour(node),
    config(node),
    credentials(node, credentialType),
    retries(node),
    `## Output\n\n${text(node.outputDescription ?? 'Not described.')}`,
    example(node),
  ]);
}

const ports = (names: readonly string[]) => names.map((name) => `\`${name}\``).join(', ');

function overview(node: NodeType): string {
  const example = exampleFlowNode(node);
  const outputs = node.traits.dynamicOutputs
    ? `depend on the config (dynamic ports); with the example below: ${ports(node.outputs(example.config))}`
    : ports(node.outputs(example.config)) || 'none';
  const lines = [
    `- **Type:** \`${node.type}\`, version ${node.version}`,
    `- **Category:** ${node.category}`,
    `- **Input ports:** ${ports(node.inputs) || 'none'}`,
    `- **Output ports:** ${outputs}`,
  ];
  if (node.canFail) {
    lines.push(
      '- **Error port:** `error` — a failure that is not retried (or has run out of retries) leaves here when it is connected, instead of dead-lettering the step',
    );
  }
  return lines.join('\n');
}

function behaviour(node: NodeType): string {
  const { traits } = node;
  const lines: string[] = [];
  if (traits.trigger)
    lines.push(`- **Trigger** (${traits.trigger}): starts a run for each event that reaches it.`);
  if (traits.pure) {
    lines.push(
      '- **Pure, runs inline:** no I/O and no side effects; the engine may run it in the transaction that planned it, without a job of its own.',
    );
  } else if (!traits.trigger) {
    lines.push('- **Runs as a step of its own**; a step may run more than once (delivery is at least once).');
  }
  if (traits.join) {
    lines.push(
      '- **Join:** runs once every incoming branch has delivered or been skipped (after a split, per item).',
    );
  }
  if (traits.split) {
    lines.push(
      '- **Split:** each item it emits runs the following nodes in a scope of its own, until a join.',
    );
  }
  if (traits.waitsForEvent) {
    const correlation = traits.waitsForEvent.correlation({});
    lines.push(
      `- **Waits for events:** parks the step until a matching event arrives; events are matched by \`${correlation}\` unless the config says otherwise.`,
    );
  }
  return `## Behaviour\n\n${lines.join('\n')}`;
}

function fieldRow(field: ConfigField, prefix: string): string[] {
  const description = `${field.secret ? '**Secret:** masked in API answers. ' : ''}${text(field.description)}`;
  return [`\`${field.path.slice(prefix.length)}\``, field.type, requiredLabel(field), description].map(cell);
}

const FIELD_HEADERS = ['Field', 'Type', 'Required', 'Description'];

function fieldTable(fields: readonly ConfigField[], prefix = ''): string {
  return table(
    FIELD_HEADERS,
    fields.map((field) => fieldRow(field, prefix)),
  );
}

function variants(group: VariantGroup): string {
  const top = group.path === '';
  const sections = [
    top
      ? `### Variants\n\nThe config takes one of these forms, told apart by \`${group.key}\`.`
      : `### \`${group.path}\` variants`,
  ];
  for (const variant of group.variants) {
    const fields =
      variant.fields.length > 0
        ? fieldTable(variant.fields, top ? '' : `${group.path}.`)
        : 'No other fields.';
    const heading = `#### \`${group.key}\`: ${codeValue(variant.value)}`;
    sections.push([heading, text(variant.description), fields].filter(Boolean).join('\n\n'));
  }
  return sections.join('\n\n');
}

function config(node: NodeType): string {
  const doc = configDocOf(jsonSchemaOf(node.config), node.secretFields);
  if (doc.fields.length === 0 && doc.unions.length === 0) return '## Config\n\nNo config.';
  const listed = new Set([
    ...doc.fields.map((field) => field.path),
    ...doc.unions.flatMap((group) => group.variants.flatMap((v) => v.fields.map((field) => field.path))),
  ]);
  const masked = node.secretFields.filter((path) => !listed.has(path));
  const maskedNote =
    masked.length > 0
      ? `Also masked in API answers: ${masked.map((path) => `\`${path}\``).join(', ')}.`
      : undefined;
  const fields = doc.fields.length > 0 ? fieldTable(doc.fields) : undefined;
  return ['## Config', fields, ...doc.unions.map(variants), maskedNote].filter(Boolean).join('\n\n');
}

function credentials(node: NodeType, credentialType: CredentialLookup): string | undefined {
  if (node.credentialTypes.length === 0) return undefined;
  const sections = [
    '## Credentials',
    `The \`credential\` field takes the id of a stored credential of one of these types (see [all credential types](README.md#credential-types)):`,
  ];
  for (const type of node.credentialTypes) {
    const found = credentialType(type);
    if (!found) {
      sections.push(`### \`${type}\`\n\nNot in the credential catalogue.`);
      continue;
    }
    const tested = found.test ? 'Has a connection test (`POST /api/v1/credentials/:id/test`).' : undefined;
    sections.push(
      [`### \`${type}\`: ${text(found.title)}`, text(found.description), credentialFieldsTable(found), tested]
        .filter(Boolean)
        .join('\n\n'),
    );
  }
  return sections.join('\n\n');
}

function duration(ms: number): string {
  return ms >= 1000 && ms % 1000 === 0 ? `${ms / 1000} s` : `${ms} ms`;
}

function retries(node: NodeType): string | undefined {
  if (!node.canFail) return undefined;
  const { retry } = node;
  const rows = [
    [
      `${retry.attempts}`,
      retry.backoff,
      duration(retry.delayMs),
      duration(retry.maxDelayMs),
      retry.jitter ? 'yes' : 'no',
    ],
  ];
  return [
    '## Retries',
    "Defaults for this node type; a flow node's `retry` overrides any of them. Only errors the node reports as retryable are retried (for calls to a service: network errors, timeouts, 408, 429 and 5xx); any other error fails the step at once.",
    table(['Attempts', 'Backoff', 'Delay', 'Max delay', 'Jitter'], rows),
  ].join('\n\n');
}

/** Any ISO date-time in a sample: samples stamp the current time, the docs show a fixed one. */
function fixedTimes(value: unknown): unknown {
  if (typeof value === 'string') {
    return /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?Z$/.test(value) ? '2024-01-01T00:00:00.000Z' : value;
  }
  if (Array.isArray(value)) return value.map(fixedTimes);
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([key, inner]) => [key, fixedTimes(inner)]));
  }
  return value;
}

function example(node: NodeType): string {
  const flowNode = exampleFlowNode(node);
  const sections = ['## Example', 'A flow node with the fewest config fields it needs:', jsonBlock(flowNode)];
  if (node.category === 'trigger' && node.sample) {
    sections.push(
      'The item it emits, as a test run with this config uses it:',
      jsonBlock(fixedTimes(node.sample(flowNode.config))),
    );
  }
  return sections.join('\n\n');
}
