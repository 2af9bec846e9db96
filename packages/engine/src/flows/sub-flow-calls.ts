// Checking a flow's sub-flow calls at publish: each names a flow that exists and can be called (it starts
// with a sub-flow trigger), and no chain of calls through the published versions leads back to the flow.
// Cycles that are not visible here (a flow published while another changes) meet the depth limit at run time.
import type { Queryable } from '@tributary/db';
import { schema } from '@tributary/db';
import type { FlowDefinition, Problem } from '@tributary/flow';
import { getNodeType } from '@tributary/nodes';
import { and, eq, inArray, isNull } from 'drizzle-orm';

interface Call {
  index: number;
  nodeId: string;
  slug: string;
}

/** The flows a definition's nodes call, by slug. */
function callsOf(def: Pick<FlowDefinition, 'nodes'>): Call[] {
  const calls: Call[] = [];
  def.nodes.forEach((node, index) => {
    const target = getNodeType(node.type)?.traits.callsFlow?.target(node.config);
    if (typeof target === 'string' && !node.disabled) calls.push({ index, nodeId: node.id, slug: target });
  });
  return calls;
}

function triggerKindOf(def: Pick<FlowDefinition, 'nodes'> | undefined) {
  for (const node of def?.nodes ?? []) {
    const type = getNodeType(node.type);
    if (type?.category === 'trigger') return type.traits.trigger;
  }
  return undefined;
}

interface Target {
  slug: string;
  draft: FlowDefinition;
  live: FlowDefinition | null;
}

async function targetsBySlug(db: Queryable, slugs: readonly string[]): Promise<Map<string, Target>> {
  if (slugs.length === 0) return new Map();
  const F = schema.flows;
  const V = schema.flowVersions;
  const rows = await db
    .select({ slug: F.slug, draft: F.draft, live: V.definition })
    .from(F)
    .leftJoin(V, and(eq(V.flowId, F.id), eq(V.version, F.activeVersion)))
    .where(and(inArray(F.slug, [...slugs]), isNull(F.deletedAt)));
  // stored definitions passed validation
  return new Map(
    rows.map((r) => [
      r.slug,
      { slug: r.slug, draft: r.draft as FlowDefinition, live: (r.live as FlowDefinition | null) ?? null },
    ]),
  );
}

/** A chain of calls from `start` through published versions back to `home`, if there is one. */
async function cycleFrom(db: Queryable, home: string, start: string): Promise<string[] | undefined> {
  const seen = new Set<string>([start]);
  let frontier: string[][] = [[home, start]];
  while (frontier.length > 0) {
    const targets = await targetsBySlug(
      db,
      frontier.map((path) => path[path.length - 1] ?? ''),
    );
    const next: string[][] = [];
    for (const path of frontier) {
      const live = targets.get(path[path.length - 1] ?? '')?.live;
      for (const call of live ? callsOf(live) : []) {
        if (call.slug === home) return [...path, home];
        if (!seen.has(call.slug)) {
          seen.add(call.slug);
          next.push([...path, call.slug]);
        }
      }
    }
    frontier = next;
  }
  return undefined;
}

/** Problems with the flows the definition calls; none when every call can be made and none comes back. */
export async function subFlowProblems(db: Queryable, def: FlowDefinition): Promise<Problem[]> {
  const calls = callsOf(def);
  if (calls.length === 0) return [];
  const targets = await targetsBySlug(
    db,
    calls.map((c) => c.slug),
  );
  const problems: Problem[] = [];
  for (const call of calls) {
    const path = `nodes[${call.index}].config.flow`;
    const at = { path, nodeId: call.nodeId };
    const target = targets.get(call.slug);
    if (call.slug === def.slug) {
      problems.push({ ...at, code: 'sub_flow_cycle', message: 'a flow cannot call itself' });
    } else if (!target) {
      problems.push({ ...at, code: 'sub_flow_not_found', message: `no flow has the slug "${call.slug}"` });
    } else if (triggerKindOf(target.live ?? target.draft) !== 'sub-flow') {
      problems.push({
        ...at,
        code: 'not_a_sub_flow',
        message: `flow "${call.slug}" does not start with “Called by a flow”, so it cannot be called`,
      });
    } else {
      const cycle = await cycleFrom(db, def.slug, call.slug);
      if (cycle) {
        problems.push({
          ...at,
          code: 'sub_flow_cycle',
          message: `the calls would go round in a circle: ${cycle.join(' → ')}`,
        });
      }
    }
  }
  return problems;
}
