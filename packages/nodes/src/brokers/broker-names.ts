// Names in broker trigger configs (queues, topics, subjects, streams): fixed when the flow is published, as
// a consumer starts before any run exists — so an expression is refused instead of taken literally.
import { z } from 'zod';

/** A name of at most `maxBytes` bytes of UTF-8 that matches `pattern`, with no `{{ }}` expression. */
export function brokerName(maxBytes: number, pattern: RegExp, message: string) {
  return z
    .string()
    .min(1)
    .refine(
      (s) => !s.includes('{{'),
      'expressions are not evaluated here: the consumer starts before any run',
    )
    .refine((s) => Buffer.byteLength(s, 'utf8') <= maxBytes, `at most ${maxBytes} bytes`)
    .regex(pattern, message);
}
