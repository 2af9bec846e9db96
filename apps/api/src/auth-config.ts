// Settings of users, sessions and invitations (part of the one configuration schema in config.ts).
import { MAX_CLIENT_LOGIN_FAILURES } from '@tributary/engine';
import { z } from 'zod';

const hours = (max: number) => z.coerce.number().positive().max(max);

/** The environment variables of sign-in, with their defaults; documented in the README. */
export const authConfigShape = {
  /** How long a sign-in lasts before the editor asks again. */
  TRIBUTARY_SESSION_TTL_HOURS: hours(24 * 90).default(12),
  /** How long an invitation link works. */
  TRIBUTARY_INVITATION_TTL_HOURS: hours(24 * 30).default(72),
  /** With TRIBUTARY_OWNER_PASSWORD: the owner account made at first start, instead of asking in the editor. */
  TRIBUTARY_OWNER_EMAIL: z.email().optional(),
  TRIBUTARY_OWNER_PASSWORD: z.string().min(10, 'at least 10 characters').optional(),
  /** Where invitation e-mails are sent through, e.g. smtp://user:pass@mail.example.com:587 or smtps://…:465. */
  TRIBUTARY_SMTP_URL: z
    .string()
    .regex(/^smtps?:\/\//, 'an smtp:// or smtps:// URL')
    .optional(),
  /** The sender of invitation e-mails. */
  TRIBUTARY_SMTP_FROM: z.string().min(3).default('Tributary <tributary@localhost>'),
  /** The editor's public address, for links in invitations; default: the address the request came to. */
  TRIBUTARY_PUBLIC_URL: z.url().optional(),
  /**
   * Behind a reverse proxy: believe its X-Forwarded-Proto (HTTPS → the session cookie is Secure) and the last
   * entry of its X-Forwarded-For (the client address sign-in throttling counts per).
   */
  TRIBUTARY_TRUST_PROXY: z
    .enum(['true', 'false', '1', '0', 'yes', 'no'])
    .transform((v) => v === 'true' || v === '1' || v === 'yes')
    .default(false),
  /** Failed sign-ins from one client (IP address; IPv6 per /64) in 15 minutes before it is locked for 15 minutes. */
  TRIBUTARY_LOGIN_FAILURES_PER_IP: z.coerce
    .number()
    .int()
    .min(1)
    .max(1_000_000)
    .default(MAX_CLIENT_LOGIN_FAILURES),
};

/** Settings that only make sense together. */
export function checkAuthConfig(
  config: { TRIBUTARY_OWNER_EMAIL?: string | undefined; TRIBUTARY_OWNER_PASSWORD?: string | undefined },
  ctx: z.RefinementCtx,
): void {
  if (Boolean(config.TRIBUTARY_OWNER_EMAIL) !== Boolean(config.TRIBUTARY_OWNER_PASSWORD)) {
    const [missing, set] = config.TRIBUTARY_OWNER_EMAIL
      ? ['TRIBUTARY_OWNER_PASSWORD', 'TRIBUTARY_OWNER_EMAIL']
      : ['TRIBUTARY_OWNER_EMAIL', 'TRIBUTARY_OWNER_PASSWORD'];
    ctx.addIssue({ code: 'custom', path: [missing], message: `not set, but ${set} is: set both or neither` });
  }
}
