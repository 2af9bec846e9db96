// The syntax of HTTP header names and values that configs and credentials may hold.
import { z } from 'zod';

/** RFC 9110 token characters; header names are matched case-insensitively. */
export const headerName = z
  .string()
  .min(1)
  .max(100)
  .regex(/^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/, 'use HTTP header-name characters only');

/** A header value: no line breaks, which would let a value smuggle in headers of its own. */
export const headerValue = z
  .string()
  .max(8192)
  .regex(/^[^\r\n\0]*$/, 'must not contain line breaks');
