// Output ports named in a node's config (a switch's rules, an A/B split's variants): one naming rule, and no
// name twice.
import { z } from 'zod';

/** A port name a person chooses: starts with a letter, then letters, digits, "_" and "-". */
export const portName = z
  .string()
  .min(1)
  .max(64)
  .regex(/^[A-Za-z][A-Za-z0-9_-]*$/, 'start with a letter; use letters, digits, "_" and "-"');

/** A superRefine for a list of entries with ports: reports each port used a second time, at its entry. */
export function uniquePorts(entries: readonly { port: string }[], ctx: z.RefinementCtx): void {
  const seen = new Set<string>();
  entries.forEach(({ port }, index) => {
    if (seen.has(port)) {
      ctx.addIssue({ code: 'custom', message: `port "${port}" is used twice`, path: [index, 'port'] });
    }
    seen.add(port);
  });
}
