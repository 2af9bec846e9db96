// Start-up migration: secrets webhook triggers held inline in flow drafts and versions (before credentials)
// move into sealed credentials, one per distinct secret, and the configs refer to them instead. One
// transaction, serialised between processes; a second run finds nothing to do.
import type { Database, Transaction } from '@tributary/db';
import { schema } from '@tributary/db';
import type { FlowDefinition } from '@tributary/flow';
import type { InlineSecret } from '@tributary/nodes';
import { getCredentialType, getNodeType, nodeTypes } from '@tributary/nodes';
import { eq, sql } from 'drizzle-orm';
import type { Keyring, Logger } from '../core/index.js';
import { audit } from '../core/index.js';
import { createCredential } from '../credentials/index.js';
import { SECRET_MASK } from './secrets.js';

/** Serialises the migration between processes starting at once (api-keys use 7210001, profiles 7210002). */
const MIGRATION_LOCK = 7_210_003;
const ACTOR = 'system:migration';

/** What one run of the migration did. */
export interface MovedSecrets {
  /** Flows whose draft or versions changed. */
  flows: number;
  /** Flow versions (test snapshots included) rewritten. */
  versions: number;
  /** Credentials created. */
  credentials: number;
  /** Inline secrets left where they are: masked, or not valid as a credential (logged with the flow). */
  skipped: number;
}

interface Candidate {
  id: string;
  flowId: string;
  slug: string;
  /** The nodes of a type that may hold an inline secret: enough to tell whether the row needs a rewrite. */
  nodes: unknown[];
}

type JsonObject = Record<string, unknown>;

function isObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function inlineSecretOf(node: unknown): InlineSecret | undefined {
  if (!isObject(node) || typeof node.type !== 'string' || !isObject(node.config)) return undefined;
  return getNodeType(node.type)?.inlineSecret?.(node.config);
}

/**
 * Moves every inline webhook secret of flow drafts and flow versions into a credential named after the flow
 * (`<slug> · webhook.header`), and points the trigger's auth at it. Safe to call at every start.
 */
export async function moveWebhookSecretsToCredentials(
  db: Database,
  keyring: Keyring,
  logger: Logger,
): Promise<MovedSecrets> {
  const moved = await db.transaction(async (tx) => {
    await tx.execute(sql`select pg_advisory_xact_lock(${MIGRATION_LOCK})`);
    const types = nodeTypes.filter((t) => t.inlineSecret !== undefined).map((t) => t.type);
    const { drafts, versions } = await candidates(tx, types);
    const mover = new SecretMover(tx, keyring, logger);
    if (drafts.length + versions.length === 0) return mover.result;
    await mover.loadNames();
    const flows = new Set<string>();
    for (const row of drafts) {
      const [current] = await tx
        .select({ draft: schema.flows.draft })
        .from(schema.flows)
        .where(eq(schema.flows.id, row.id))
        .for('update');
      const draft = await mover.rewrite(current?.draft, row.slug, 'draft');
      if (!draft) continue;
      await tx.update(schema.flows).set({ draft }).where(eq(schema.flows.id, row.id));
      flows.add(row.flowId);
    }
    const rewritten = new Map<string, number[]>();
    for (const row of versions) {
      const [current] = await tx
        .select({ definition: schema.flowVersions.definition, version: schema.flowVersions.version })
        .from(schema.flowVersions)
        .where(eq(schema.flowVersions.id, row.id))
        .for('update');
      const definition = await mover.rewrite(current?.definition, row.slug, `version ${current?.version}`);
      if (!definition || !current) continue;
      await tx.update(schema.flowVersions).set({ definition }).where(eq(schema.flowVersions.id, row.id));
      rewritten.set(row.flowId, [...(rewritten.get(row.flowId) ?? []), current.version]);
      mover.result.versions += 1;
      flows.add(row.flowId);
    }
    for (const flowId of flows) {
      await audit(tx, ACTOR, 'flow.secrets_moved', 'flow', flowId, {
        versions: rewritten.get(flowId) ?? [],
      });
    }
    mover.result.flows = flows.size;
    return mover.result;
  });
  const { flows, versions, credentials, skipped } = moved;
  if (flows > 0 || skipped > 0) {
    logger.info(
      { flows, versions, credentials, skipped },
      `moved inline webhook secrets into credentials: ${flows} flow(s), ${versions} version(s), ${credentials} credential(s) created`,
    );
  }
  return moved;
}

/** Drafts and versions with a node of one of `types`, with those nodes only (a row may hold large flows). */
async function candidates(
  tx: Transaction,
  types: readonly string[],
): Promise<{ drafts: Candidate[]; versions: Candidate[] }> {
  if (types.length === 0) return { drafts: [], versions: [] };
  // existential: true when the node's type equals any of $types
  const path = '$.nodes[*] ? (@.type == $types[*])';
  const vars = JSON.stringify({ types });
  const nodesOf = (column: typeof schema.flows.draft | typeof schema.flowVersions.definition) =>
    sql<unknown[]>`jsonb_path_query_array(${column}, ${path}::jsonpath, ${vars}::jsonb)`;
  const has = (column: typeof schema.flows.draft | typeof schema.flowVersions.definition) =>
    sql`jsonb_path_exists(${column}, ${path}::jsonpath, ${vars}::jsonb)`;
  const drafts = await tx
    .select({
      id: schema.flows.id,
      flowId: schema.flows.id,
      slug: schema.flows.slug,
      nodes: nodesOf(schema.flows.draft),
    })
    .from(schema.flows)
    .where(has(schema.flows.draft));
  const versions = await tx
    .select({
      id: schema.flowVersions.id,
      flowId: schema.flowVersions.flowId,
      slug: schema.flows.slug,
      nodes: nodesOf(schema.flowVersions.definition),
    })
    .from(schema.flowVersions)
    .innerJoin(schema.flows, eq(schema.flows.id, schema.flowVersions.flowId))
    .where(has(schema.flowVersions.definition));
  const needed = (row: Candidate) => row.nodes.some((node) => inlineSecretOf(node) !== undefined);
  return { drafts: drafts.filter(needed), versions: versions.filter(needed) };
}

/** Creates the credentials (one per distinct secret, across all flows) and rewrites definitions. */
class SecretMover {
  readonly result: MovedSecrets = { flows: 0, versions: 0, credentials: 0, skipped: 0 };
  private readonly names = new Set<string>();
  /** Credential ids by type and data, so the same secret in a draft and its versions becomes one. */
  private readonly made = new Map<string, string>();

  constructor(
    private readonly tx: Transaction,
    private readonly keyring: Keyring,
    private readonly logger: Logger,
  ) {}

  async loadNames(): Promise<void> {
    const rows = await this.tx.select({ name: schema.credentials.name }).from(schema.credentials);
    for (const row of rows) this.names.add(row.name);
  }

  /** The definition with its inline secrets moved, or undefined when nothing in it changed. */
  async rewrite(definition: unknown, slug: string, where: string): Promise<FlowDefinition | undefined> {
    if (!isObject(definition) || !Array.isArray(definition.nodes)) return undefined;
    let changed = false;
    const nodes: unknown[] = [];
    // Array.isArray gives any[]; inlineSecretOf checks each node
    for (const node of definition.nodes as unknown[]) {
      const inline = inlineSecretOf(node);
      const id =
        inline && isObject(node) ? await this.credentialFor(inline, slug, where, node.id) : undefined;
      if (inline && id && isObject(node)) {
        nodes.push({ ...node, config: inline.withCredential(id) });
        changed = true;
      } else nodes.push(node);
    }
    // stored definitions passed flowDefinitionSchema; only node configs change here
    return changed ? ({ ...definition, nodes } as FlowDefinition) : undefined;
  }

  private async credentialFor(
    inline: InlineSecret,
    slug: string,
    where: string,
    nodeId: unknown,
  ): Promise<string | undefined> {
    const type = getCredentialType(inline.credentialType);
    const parsed = type?.data.safeParse(inline.data);
    const masked = type?.secretFields.some((field) => inline.data[field] === SECRET_MASK) ?? false;
    if (!type || !parsed?.success || masked) {
      this.result.skipped += 1;
      // names the fields only: the values are the secrets
      const why = masked
        ? 'its secret is the mask "********", not a secret'
        : `it is not a valid ${inline.credentialType} credential (${parsed?.error?.issues.map((i) => i.path.join('.')).join(', ')})`;
      this.logger.warn(
        { flow: slug, where, nodeId },
        `flow "${slug}" (${where}): node ${String(nodeId)} keeps its old inline auth, which will be refused: ${why}; create a ${inline.credentialType} credential and refer to it`,
      );
      return undefined;
    }
    const key = `${inline.credentialType}\u0000${JSON.stringify(parsed.data)}`;
    const known = this.made.get(key);
    if (known) return known;
    const name = this.uniqueName(`${slug} · ${inline.credentialType}`);
    const created = await createCredential(
      this.tx,
      this.keyring,
      { name, type: inline.credentialType, data: parsed.data },
      ACTOR,
    );
    this.made.set(key, created.id);
    this.result.credentials += 1;
    return created.id;
  }

  private uniqueName(base: string): string {
    let name = base;
    for (let n = 2; this.names.has(name); n += 1) name = `${base} (${n})`;
    this.names.add(name);
    return name;
  }
}
