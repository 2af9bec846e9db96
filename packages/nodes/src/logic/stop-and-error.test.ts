import { FatalError } from '@tributary/flow';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { stopAndError } from './stop-and-error.js';
import { runNode } from './test-context.js';

describe('stop-and-error', () => {
  it('throws a fatal error with the message and the code "stopped" by default', async () => {
    const run = runNode(stopAndError, { message: 'order has no lines' }, { id: 1 });
    await expect(run).rejects.toBeInstanceOf(FatalError);
    await expect(run).rejects.toMatchObject({ message: 'order has no lines', code: 'stopped' });
  });

  it('throws with the configured code', async () => {
    const run = runNode(stopAndError, { message: 'no stock', code: 'out_of_stock' }, {});
    await expect(run).rejects.toMatchObject({ message: 'no stock', code: 'out_of_stock' });
  });

  it('has no main output port', () => {
    expect(stopAndError.outputs({ message: 'x' })).toEqual([]);
  });

  it('refuses an empty or overlong message and a code with spaces', () => {
    expect(stopAndError.config.safeParse({ message: '' }).success).toBe(false);
    expect(stopAndError.config.safeParse({ message: 'x'.repeat(2001) }).success).toBe(false);
    expect(stopAndError.config.safeParse({ message: 'x', code: 'out of stock' }).success).toBe(false);
  });

  it('keeps its JSON Schema for the editor', () => {
    expect(z.toJSONSchema(stopAndError.config, { io: 'input' })).toMatchSnapshot();
  });
});
