// The stop-and-error node: fails the step on purpose with a message and code of the flow's choosing.
import { FatalError } from '@tributary/flow';
import { z } from 'zod';
import { defineNode } from '../define-node.js';

const stopAndErrorConfig = z.strictObject({
  message: z.string().min(1).max(2000).describe('Error message recorded on the step and the run'),
  code: z
    .string()
    .min(1)
    .max(100)
    .regex(/^[A-Za-z0-9_.:-]+$/, 'use letters, digits, "_", ".", ":" and "-"')
    .optional()
    .describe('Stable error code for error flows and dead letters; "stopped" when left out'),
});

/** Fails the step with a fatal error, so it is not retried. */
export const stopAndError = defineNode({
  type: 'logic.stop-and-error',
  version: 1,
  category: 'logic',
  title: 'Stop and error',
  description: 'Fails the step on purpose with a message and code of the flow’s choosing, never retried.',
  icon: 'octagon-x',
  outputs: [],
  config: stopAndErrorConfig,
  outputDescription: 'No items: the step always fails with the configured message and code.',
  run: ({ config }) => {
    throw new FatalError(config.message, { code: config.code ?? 'stopped' });
  },
});
