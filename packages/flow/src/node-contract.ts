// What graph validation needs to know about a node type; packages/nodes implements it.
import type { z } from 'zod';

export type NodeCategory = 'trigger' | 'logic' | 'action';

/** The pure, browser-safe face of a node type. */
export interface NodeTypeContract {
  type: string;
  category: NodeCategory;
  /** Input ports; empty for triggers. */
  inputs: readonly string[];
  /** Output ports for a given (validated) config, without the error port. */
  outputs: (config: unknown) => readonly string[];
  /** Whether the node can fail at run time and so has an `error` output port. */
  canFail: boolean;
  config: z.ZodType;
}

/** Looks a node type up by its type id. */
export type NodeCatalogue = (type: string) => NodeTypeContract | undefined;
