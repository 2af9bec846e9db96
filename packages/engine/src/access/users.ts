// Users: the owner made at first start, invited people who set their own password, roles and disabling.
import { createHash, randomBytes } from 'node:crypto';
import type { Database, Queryable, Role } from '@tributary/db';
import { newId, schema } from '@tributary/db';
import { ConflictError, NotFoundError, ValidationError } from '@tributary/flow';
import { and, asc, count, eq, gt, isNull, ne, sql } from 'drizzle-orm';
import { audit } from '../core/index.js';
import { hashPassword } from './passwords.js';

/** What the API shows of a user: never the password hash. */
export interface UserView {
  id: string;
  email: string;
  role: Role;
  /** `invited` until the invitation is accepted. */
  status: 'active' | 'invited' | 'disabled';
  createdAt: string;
}

/** The shortest password accepted. */
export const MIN_PASSWORD_LENGTH = 10;

/** Addresses compare without case: `Ada@Example.com` and `ada@example.com` are one user. */
export function normalizeEmail(email: string): string {
  return email.trim().toLowerCase();
}

function tokenHash(token: string): string {
  return createHash('sha256').update(token).digest('hex');
}

function checkPassword(password: string): void {
  if (password.length < MIN_PASSWORD_LENGTH) {
    throw new ValidationError('the password is too short', [
      { path: 'body.password', message: `use at least ${MIN_PASSWORD_LENGTH} characters` },
    ]);
  }
}

function view(row: typeof schema.users.$inferSelect): UserView {
  const status = row.disabledAt ? 'disabled' : row.passwordHash ? 'active' : 'invited';
  return { id: row.id, email: row.email, role: row.role, status, createdAt: row.createdAt.toISOString() };
}

/** True until the first user exists: the editor then asks for the owner account. */
export async function needsOwner(db: Queryable): Promise<boolean> {
  const [row] = await db.select({ n: count() }).from(schema.users);
  return (row?.n ?? 0) === 0;
}

/** Makes the first user, an owner; a conflict once any user exists (only the first start may do this). */
export async function createOwner(db: Database, email: string, password: string, actor: string) {
  checkPassword(password);
  const passwordHash = await hashPassword(password);
  return db.transaction(async (tx) => {
    // two first starts (or two browsers) at once must not both make an owner
    await tx.execute(sql`select pg_advisory_xact_lock(7210002)`);
    if (!(await needsOwner(tx))) throw new ConflictError('the owner account exists already; sign in');
    const [row] = await tx
      .insert(schema.users)
      .values({ id: newId(), email: normalizeEmail(email), passwordHash, role: 'owner' })
      .returning();
    if (!row) throw new ConflictError('the owner account could not be made');
    await audit(tx, actor, 'user.create', 'user', row.id, { email: row.email, role: 'owner' });
    return view(row);
  });
}

/** Every user, oldest first. */
export async function listUsers(db: Queryable): Promise<UserView[]> {
  const rows = await db
    .select()
    .from(schema.users)
    .orderBy(asc(schema.users.createdAt), asc(schema.users.id));
  return rows.map(view);
}

/** An invitation: the token is in the link and is never stored. */
export interface Invitation {
  user: UserView;
  token: string;
  expiresAt: Date;
}

/**
 * Invites `email` with `role`: makes the user (without a password) or renews the invitation of one who has not
 * accepted yet; a conflict when the address already belongs to an active user.
 */
export async function inviteUser(
  db: Database,
  input: { email: string; role: Role },
  ttlMs: number,
  actor: string,
): Promise<Invitation> {
  const email = normalizeEmail(input.email);
  const token = randomBytes(32).toString('base64url');
  const expiresAt = new Date(Date.now() + ttlMs);
  return db.transaction(async (tx) => {
    const [existing] = await tx
      .select()
      .from(schema.users)
      .where(eq(schema.users.email, email))
      .for('update');
    if (existing?.passwordHash) throw new ConflictError(`${email} is a user already`);
    let row = existing;
    if (row) {
      [row] = await tx
        .update(schema.users)
        .set({ role: input.role })
        .where(eq(schema.users.id, row.id))
        .returning();
    } else {
      [row] = await tx.insert(schema.users).values({ id: newId(), email, role: input.role }).returning();
    }
    if (!row) throw new ConflictError(`${email} could not be invited`);
    await tx.insert(schema.invitations).values({
      id: newId(),
      userId: row.id,
      hash: tokenHash(token),
      expiresAt,
      createdBy: actor,
    });
    await audit(tx, actor, 'user.invite', 'user', row.id, { email, role: input.role });
    return { user: view(row), token, expiresAt };
  });
}

/** The address an invitation is for, to greet the invitee; not found when the token is unknown, used or expired. */
export async function invitationFor(db: Queryable, token: string): Promise<{ email: string }> {
  const [row] = await db
    .select({ email: schema.users.email })
    .from(schema.invitations)
    .innerJoin(schema.users, eq(schema.users.id, schema.invitations.userId))
    .where(
      and(
        eq(schema.invitations.hash, tokenHash(token)),
        isNull(schema.invitations.acceptedAt),
        gt(schema.invitations.expiresAt, new Date()),
        isNull(schema.users.disabledAt),
      ),
    );
  if (!row)
    throw new NotFoundError('the invitation is not valid: it was used, it expired, or it was replaced');
  return row;
}

/** Accepts an invitation once: sets the password; the token then no longer works. */
export async function acceptInvitation(db: Database, token: string, password: string): Promise<UserView> {
  checkPassword(password);
  const passwordHash = await hashPassword(password);
  return db.transaction(async (tx) => {
    const [invitation] = await tx
      .update(schema.invitations)
      .set({ acceptedAt: new Date() })
      .where(
        and(
          eq(schema.invitations.hash, tokenHash(token)),
          isNull(schema.invitations.acceptedAt),
          gt(schema.invitations.expiresAt, new Date()),
        ),
      )
      .returning();
    const [user] = invitation
      ? await tx
          .update(schema.users)
          .set({ passwordHash })
          .where(and(eq(schema.users.id, invitation.userId), isNull(schema.users.disabledAt)))
          .returning()
      : [];
    if (!user)
      throw new NotFoundError('the invitation is not valid: it was used, it expired, or it was replaced');
    // an older invitation to the same address must not set the password again
    await tx
      .update(schema.invitations)
      .set({ acceptedAt: new Date() })
      .where(and(eq(schema.invitations.userId, user.id), isNull(schema.invitations.acceptedAt)));
    await audit(tx, `user:${user.id}`, 'user.accept_invitation', 'user', user.id, { email: user.email });
    return view(user);
  });
}

/**
 * Changes a user's role or disables/enables them. Disabling ends their sessions at once (their keys stop
 * working because every key check looks at its maker). The last active owner can be neither demoted nor disabled.
 */
export async function updateUser(
  db: Database,
  id: string,
  change: { role?: Role | undefined; disabled?: boolean | undefined },
  actor: string,
): Promise<UserView> {
  return db.transaction(async (tx) => {
    await tx.execute(sql`select pg_advisory_xact_lock(7210002)`);
    const [row] = await tx.select().from(schema.users).where(eq(schema.users.id, id));
    if (!row) throw new NotFoundError(`no user ${id}`);
    const losesOwner =
      row.role === 'owner' &&
      !row.disabledAt &&
      ((change.role && change.role !== 'owner') || change.disabled);
    if (losesOwner) {
      const [others] = await tx
        .select({ n: count() })
        .from(schema.users)
        .where(and(eq(schema.users.role, 'owner'), isNull(schema.users.disabledAt), ne(schema.users.id, id)));
      if ((others?.n ?? 0) === 0) throw new ConflictError('this is the last owner: make another owner first');
    }
    const set: Partial<typeof schema.users.$inferInsert> = {};
    const diff: Record<string, unknown> = {};
    if (change.role && change.role !== row.role) {
      set.role = change.role;
      diff.role = [row.role, change.role];
    }
    if (change.disabled !== undefined && change.disabled !== Boolean(row.disabledAt)) {
      set.disabledAt = change.disabled ? new Date() : null;
      diff.disabled = change.disabled;
    }
    if (Object.keys(set).length === 0) return view(row);
    const [updated] = await tx.update(schema.users).set(set).where(eq(schema.users.id, id)).returning();
    if (!updated) throw new NotFoundError(`no user ${id}`);
    if (change.disabled) await tx.delete(schema.sessions).where(eq(schema.sessions.userId, id));
    await audit(
      tx,
      actor,
      change.disabled === undefined ? 'user.update' : change.disabled ? 'user.disable' : 'user.enable',
      'user',
      id,
      {
        email: row.email,
        ...diff,
      },
    );
    return view(updated);
  });
}

/**
 * Makes the owner from configuration (TRIBUTARY_OWNER_EMAIL / _PASSWORD) when no user exists yet; true when it
 * did. Later starts, and a second process starting at the same time, change nothing.
 */
export async function ensureOwner(db: Database, email: string, password: string): Promise<boolean> {
  if (!(await needsOwner(db))) return false;
  try {
    await createOwner(db, email, password, 'env:TRIBUTARY_OWNER_EMAIL');
    return true;
  } catch (err) {
    // another process made the first user between our check and our lock: nothing left to do
    if (err instanceof ConflictError) return false;
    throw err;
  }
}
