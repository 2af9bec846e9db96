// The canonical form of a flow file: keys sorted at every level, editor positions rounded to whole pixels,
// two-space JSON with a final newline — stable, so an export diffs cleanly and export → deploy → export
// gives the same bytes.

/** A JSON object. */
export type JsonObject = Record<string, unknown>;

/** Whether a value is a plain JSON object (not an array, not null). */
export function isObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** A deep copy with every object's keys in sorted order; arrays keep their order. */
export function sortKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortKeys);
  if (!isObject(value)) return value;
  const sorted: JsonObject = {};
  for (const key of Object.keys(value).sort()) sorted[key] = sortKeys(value[key]);
  return sorted;
}

/** A copy of a flow definition with each node's position rounded to whole pixels. */
export function roundPositions(definition: JsonObject): JsonObject {
  const nodes = definition.nodes;
  if (!Array.isArray(nodes)) return definition;
  return {
    ...definition,
    nodes: nodes.map((node: unknown) => {
      if (!isObject(node) || !isObject(node.position)) return node;
      const { x, y } = node.position;
      if (typeof x !== 'number' || typeof y !== 'number') return node;
      // Math.round(-0.4) is -0, which JSON writes as 0 anyway; `|| 0` keeps comparisons plain too
      return { ...node, position: { ...node.position, x: Math.round(x) || 0, y: Math.round(y) || 0 } };
    }),
  };
}

/** A flow definition in canonical form (a new object; the input is not changed). */
export function canonicalFlow(definition: JsonObject): JsonObject {
  // sortKeys of an object is an object
  return sortKeys(roundPositions(definition)) as JsonObject;
}

/** The file text of a flow definition in canonical form. */
export function flowFileText(definition: JsonObject): string {
  return `${JSON.stringify(canonicalFlow(definition), null, 2)}\n`;
}
