// /api/v1/users: owners invite people (a one-time link, and an e-mail when SMTP is set), change roles, disable.
import { createRoute, OpenAPIHono, z } from '@hono/zod-openapi';
import { inviteUser, listUsers, updateUser } from '@tributary/engine';
import type { AppDeps, AppEnv } from '../app-env.js';
import { conflictResponse, errorResponses, json, uuidParam } from '../app-env.js';
import { actorOf } from '../auth.js';
import { sendInvitationMail } from '../invitation-mail.js';
import { requires } from '../route-scopes.js';

const tags = ['users'];
const roleSchema = z.enum(['owner', 'editor', 'viewer']);

const userSchema = z
  .object({
    id: z.string().uuid(),
    email: z.string(),
    role: roleSchema,
    status: z.enum(['active', 'invited', 'disabled']),
    createdAt: z.string(),
  })
  .openapi('User');
/** The API's `User` body (exported for tests). */
export type User = z.infer<typeof userSchema>;

const invitationSchema = z
  .object({
    user: userSchema,
    link: z.string().openapi({ description: 'Give it to the invitee; it works once, until expiresAt' }),
    expiresAt: z.string(),
    emailed: z
      .boolean()
      .openapi({ description: 'Whether an e-mail went out (only when SMTP is configured)' }),
    emailError: z.string().nullable().openapi({ description: 'Why the e-mail failed; the link still works' }),
  })
  .openapi('Invitation');
/** The API's `Invitation` body (exported for tests). */
export type Invitation = z.infer<typeof invitationSchema>;

/** The user routes (admin scope). */
export function userRoutes(deps: AppDeps) {
  const app = new OpenAPIHono<AppEnv>();

  app.openapi(
    createRoute({
      method: 'get',
      path: '/users',
      tags,
      ...requires('admin'),
      summary: 'Every user, oldest first',
      responses: { 200: json(z.object({ items: z.array(userSchema) }), 'Users'), ...errorResponses },
    }),
    async (c) => c.json({ items: await listUsers(deps.engine.ctx.db) }, 200),
  );

  app.openapi(
    createRoute({
      method: 'post',
      path: '/users/invitations',
      tags,
      ...requires('admin'),
      summary: 'Invite someone: returns a one-time link (and e-mails it when TRIBUTARY_SMTP_URL is set)',
      request: {
        body: {
          required: true,
          content: {
            'application/json': { schema: z.object({ email: z.email().max(320), role: roleSchema }) },
          },
        },
      },
      responses: { 201: json(invitationSchema, 'Invited'), ...errorResponses, ...conflictResponse },
    }),
    async (c) => {
      const { config } = deps;
      const principal = c.get('principal');
      const invitation = await inviteUser(
        deps.engine.ctx.db,
        c.req.valid('json'),
        config.TRIBUTARY_INVITATION_TTL_HOURS * 3_600_000,
        actorOf(principal),
      );
      const base = (config.TRIBUTARY_PUBLIC_URL ?? new URL(c.req.url).origin).replace(/\/+$/, '');
      // the token rides in the fragment, which browsers never send to a server or write to its access log
      const link = `${base}/invitation#token=${invitation.token}`;
      let emailed = false;
      let emailError: string | null = null;
      if (config.TRIBUTARY_SMTP_URL) {
        try {
          await sendInvitationMail(
            { smtpUrl: config.TRIBUTARY_SMTP_URL, from: config.TRIBUTARY_SMTP_FROM },
            {
              to: invitation.user.email,
              link,
              role: invitation.user.role,
              expiresAt: invitation.expiresAt,
              invitedBy: principal.name,
            },
          );
          emailed = true;
        } catch (err) {
          // the invitation stands: the owner can still pass the link on
          emailError = err instanceof Error ? err.message : String(err);
          deps.engine.ctx.logger.warn(
            { err: emailError, userId: invitation.user.id },
            'invitation e-mail failed',
          );
        }
      }
      return c.json(
        { user: invitation.user, link, expiresAt: invitation.expiresAt.toISOString(), emailed, emailError },
        201,
      );
    },
  );

  app.openapi(
    createRoute({
      method: 'patch',
      path: '/users/{id}',
      tags,
      ...requires('admin'),
      summary:
        "Change a user's role, or disable them (their sessions end and their keys stop working) or enable",
      request: {
        params: z.object({ id: uuidParam }),
        body: {
          required: true,
          content: {
            'application/json': {
              schema: z
                .object({ role: roleSchema.optional(), disabled: z.boolean().optional() })
                .refine((b) => b.role !== undefined || b.disabled !== undefined, 'send role or disabled'),
            },
          },
        },
      },
      responses: { 200: json(userSchema, 'The user'), ...errorResponses, ...conflictResponse },
    }),
    async (c) =>
      c.json(
        await updateUser(
          deps.engine.ctx.db,
          c.req.valid('param').id,
          c.req.valid('json'),
          actorOf(c.get('principal')),
        ),
        200,
      ),
  );
  return app;
}
