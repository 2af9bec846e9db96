// The instance's variables: plain named values that expressions read as `$vars.NAME`. Not secrets — answers,
// the audit log and run history show them; secrets belong in credentials.
import type { Queryable } from '@tributary/db';
import { schema } from '@tributary/db';
import {
  ConflictError,
  MAX_VARIABLE_VALUE_LENGTH,
  MAX_VARIABLES,
  NotFoundError,
  VARIABLE_NAME_PATTERN,
  ValidationError,
  variableReferences,
} from '@tributary/flow';
import { asc, count, eq } from 'drizzle-orm';
import { audit, type FlowUser, usersOf } from '../core/index.js';

/** A variable as answers show it. */
export interface VariableView {
  name: string;
  value: string;
  description: string;
  /** Flows whose draft or published version reads it as `$vars.NAME`. */
  usedBy: FlowUser[];
  createdAt: string;
  updatedAt: string;
  updatedBy: string;
}

/** What a change sets; a description left out keeps the stored one (empty for a new variable). */
export interface VariableInput {
  value: string;
  description?: string | undefined;
}

type VariableRow = typeof schema.variables.$inferSelect;

/** How much of a value the audit log keeps of each side of a change. */
const AUDIT_VALUE_CHARS = 200;

function viewOf(row: VariableRow, usedBy: FlowUser[]): VariableView {
  return {
    name: row.name,
    value: row.value,
    description: row.description,
    usedBy,
    createdAt: row.createdAt.toISOString(),
    updatedAt: row.updatedAt.toISOString(),
    updatedBy: row.updatedBy,
  };
}

function variableUsers(db: Queryable): Promise<Map<string, FlowUser[]>> {
  return usersOf(db, (definition) => {
    const nodes = (definition as { nodes?: unknown } | null)?.nodes;
    // stored definitions passed validation: nodes are {id, config}
    return Array.isArray(nodes)
      ? variableReferences({ nodes: nodes as Parameters<typeof variableReferences>[0]['nodes'] }).map(
          (r) => r.name,
        )
      : [];
  });
}

/** Refuses a name `$vars.NAME` could not read (422). */
export function checkVariableName(name: string): void {
  if (!VARIABLE_NAME_PATTERN.test(name)) {
    throw new ValidationError(`"${name}" cannot be a variable name`, [
      {
        path: 'name',
        code: 'invalid_name',
        message:
          'a letter or _, then letters, digits or _ (at most 64): what follows $vars. in an expression',
      },
    ]);
  }
}

async function rowOf(db: Queryable, name: string): Promise<VariableRow | undefined> {
  const [row] = await db.select().from(schema.variables).where(eq(schema.variables.name, name));
  return row;
}

/** Every variable, by name. */
export async function listVariables(db: Queryable): Promise<VariableView[]> {
  const [rows, users] = await Promise.all([
    db.select().from(schema.variables).orderBy(asc(schema.variables.name)),
    variableUsers(db),
  ]);
  return rows.map((row) => viewOf(row, users.get(row.name) ?? []));
}

/** One variable; 404 when there is none of that name. */
export async function getVariable(db: Queryable, name: string): Promise<VariableView> {
  const [row, users] = await Promise.all([rowOf(db, name), variableUsers(db)]);
  if (!row) throw new NotFoundError(`no variable named ${name}`);
  return viewOf(row, users.get(name) ?? []);
}

function shorten(value: string): string {
  return value.length > AUDIT_VALUE_CHARS ? `${value.slice(0, AUDIT_VALUE_CHARS)}…` : value;
}

/** Creates or changes a variable; says which it did. The change is in the audit log with both values. */
export async function setVariable(
  db: Queryable,
  name: string,
  input: VariableInput,
  actor: string,
): Promise<{ variable: VariableView; created: boolean }> {
  checkVariableName(name);
  if (input.value.length > MAX_VARIABLE_VALUE_LENGTH) {
    throw new ValidationError('the value is too long', [
      { path: 'value', code: 'too_big', message: `at most ${MAX_VARIABLE_VALUE_LENGTH} characters` },
    ]);
  }
  const before = await rowOf(db, name);
  if (!before) {
    const [{ n } = { n: 0 }] = await db.select({ n: count() }).from(schema.variables);
    if (n >= MAX_VARIABLES) {
      throw new ConflictError(`an instance holds at most ${MAX_VARIABLES} variables; delete some first`, {
        code: 'too_many_variables',
      });
    }
  }
  const now = new Date();
  const description = input.description ?? before?.description ?? '';
  await db
    .insert(schema.variables)
    .values({ name, value: input.value, description, createdAt: now, updatedAt: now, updatedBy: actor })
    .onConflictDoUpdate({
      target: schema.variables.name,
      set: { value: input.value, description, updatedAt: now, updatedBy: actor },
    });
  if (!before) {
    await audit(db, actor, 'variable.create', 'variable', name, { value: shorten(input.value) });
  } else if (before.value !== input.value || before.description !== description) {
    await audit(db, actor, 'variable.update', 'variable', name, {
      ...(before.value !== input.value
        ? { value: { from: shorten(before.value), to: shorten(input.value) } }
        : {}),
      ...(before.description !== description
        ? { description: { from: before.description, to: description } }
        : {}),
    });
  }
  return { variable: await getVariable(db, name), created: !before };
}

/** Deletes a variable; refused (409, naming them) while flows read it, unless `force`. */
export async function deleteVariable(
  db: Queryable,
  name: string,
  force: boolean,
  actor: string,
): Promise<void> {
  const row = await rowOf(db, name);
  if (!row) throw new NotFoundError(`no variable named ${name}`);
  const users = (await variableUsers(db)).get(name) ?? [];
  if (users.length > 0 && !force) {
    const names = users.map((u) => `"${u.name}" (${u.slug})`).join(', ');
    throw new ConflictError(
      `variable ${name} is read by ${users.length === 1 ? 'flow' : 'flows'} ${names}; change them first, or delete with ?force=true (their expressions then read nothing)`,
      { code: 'variable_in_use' },
    );
  }
  await db.delete(schema.variables).where(eq(schema.variables.name, name));
  await audit(db, actor, 'variable.delete', 'variable', name, {
    value: shorten(row.value),
    ...(users.length > 0 ? { forced: true, usedBy: users.map((u) => u.slug) } : {}),
  });
}

/** The variables as expressions see them: `{ NAME: value }`. */
export async function variableValues(db: Queryable): Promise<Record<string, string>> {
  const rows = await db
    .select({ name: schema.variables.name, value: schema.variables.value })
    .from(schema.variables);
  // own properties even for a name like __proto__
  return Object.fromEntries(rows.map((r) => [r.name, r.value]));
}

/** The names of the variables there are. */
export async function variableNames(db: Queryable): Promise<Set<string>> {
  const rows = await db.select({ name: schema.variables.name }).from(schema.variables);
  return new Set(rows.map((r) => r.name));
}
