// The node catalogue the CLI validates flow files against: the same one the API uses (@tributary/nodes), so
// problems read the same. Loaded on demand, only by the commands that read or write flow definitions.
import type { NodeCatalogue, VariablePlacementInfo } from '@tributary/flow';

/** What the CLI needs to know about a node type beyond graph validation. */
export interface NodeTypeInfo extends VariablePlacementInfo {
  /** Credential types its `credential` config fields accept; empty when it takes none. */
  credentialTypes: readonly string[];
  /** The credential types a given config of the node accepts. */
  credentialTypesFor(config: Readonly<Record<string, unknown>>): readonly string[];
  /** Config paths (`headers.Authorization`) the API masks in its answers. */
  secretFields: readonly string[];
}

/** The catalogue for validation, and the extra facts per node type. */
export interface LocalCatalogue {
  validation: NodeCatalogue;
  info(type: string): NodeTypeInfo | undefined;
}

/** Loads the node catalogue. */
export async function loadCatalogue(): Promise<LocalCatalogue> {
  const nodes = await import('@tributary/nodes');
  return { validation: nodes.catalogue, info: nodes.getNodeType };
}
