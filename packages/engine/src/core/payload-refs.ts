// History without copies of the event: a step's input and output usually carry the event's payload, or large
// parts of it (a webhook's body and headers), unchanged. Stored as they are, a run of four steps keeps the
// payload seven or eight times over. Instead, where a stored value holds a part of the payload — the very
// same object in memory, as the trigger's output, an `if` passing its item on, or a `set` that adds a field
// beside an untouched body hand it on — the row keeps a null there and a reference in a column of its own
// (`input_refs`, `output_refs`): [where in the value, where in the payload]. Reading puts the parts back
// from the event's payload, so every answer reads exactly as if the copies had been stored.
//
// Identity, not equality, decides: no hashing or comparing of large values, and a part that a node rebuilt
// is stored as it is. References live in their own column, never inside the value, so no user data can be
// mistaken for one.
//
// An object that has every field of the payload, or of one of its top-level objects, most with the very same
// values — what a `set` hands on: the item with a field added or changed — is stored with the fields it
// added or changed alone and a `'fields'` reference for the rest. A tracking event's item is a flat message
// (type, event, userId, messageId, timestamps…): without it, each step of a run kept a copy of those. Read
// back, its fields are in the order Postgres keeps a jsonb object's keys, as if it had been stored whole.
// An object that lacks one of them (a node removed a field) is stored as before.
import type { PayloadRef } from '@tributary/db';
import { defineField, isPlainObject } from '@tributary/flow';

export type { PayloadRef };

type Path = Array<string | number>;

/** How deep the payload is indexed: the payload, its fields (body, headers), theirs, and one level more. */
const INDEX_DEPTH = 3;
/** Most parts indexed per payload (breadth first, so the largest-scoped parts come first). */
const INDEX_MAX_ENTRIES = 256;
/** How deep a stored value is searched for parts: an output's item is at depth 2 (`{main: [item]}`). */
const SEARCH_DEPTH = 5;
/** How deep in the payload the objects lie whose fields a stored object may take by a `'fields'` reference. */
const BASE_DEPTH = 1;
/** Fewest fields such an object has (one field is as short stored as referred to). */
const BASE_MIN_FIELDS = 2;

/** A payload object whose fields a stored object may take by reference. */
interface Base {
  value: Record<string, unknown>;
  keys: readonly string[];
  path: Path;
}

/** The parts of an event's payload by identity, each with its path in the payload. */
export class PayloadIndex {
  private readonly paths = new Map<object, Path>();
  private readonly bases: Base[] = [];

  constructor(payload: unknown) {
    let level: Array<[unknown, Path]> = [[payload, []]];
    for (let depth = 0; depth <= INDEX_DEPTH && level.length > 0; depth++) {
      const next: Array<[unknown, Path]> = [];
      for (const [value, path] of level) {
        if (typeof value !== 'object' || value === null || this.paths.has(value)) continue;
        if (this.paths.size >= INDEX_MAX_ENTRIES) return;
        this.paths.set(value, path);
        // only objects can be parts: a path is made for those alone
        if (Array.isArray(value)) {
          for (let i = 0; i < value.length; i++) {
            const child: unknown = value[i];
            if (typeof child === 'object' && child !== null) next.push([child, [...path, i]]);
          }
        } else if (isPlainObject(value)) {
          const keys = Object.keys(value);
          if (depth <= BASE_DEPTH && keys.length >= BASE_MIN_FIELDS) {
            this.bases.push({ value, keys, path });
          }
          for (const key in value) {
            const child = value[key];
            if (typeof child === 'object' && child !== null) next.push([child, [...path, key]]);
          }
        }
      }
      level = next;
    }
  }

  pathOf(value: object): Path | undefined {
    return this.paths.get(value);
  }

  /**
   * A payload object all of whose fields `value` has, BASE_MIN_FIELDS or more of them with the very same
   * values, if there is one: `value` is then stored as its other fields and a `'fields'` reference to it.
   */
  baseOf(value: Record<string, unknown>): Base | undefined {
    for (const base of this.bases) {
      let same = 0;
      let all = true;
      for (const key of base.keys) {
        if (!Object.hasOwn(value, key)) {
          all = false;
          break;
        }
        if (value[key] === base.value[key]) same++;
      }
      if (all && same >= BASE_MIN_FIELDS) return base;
    }
    return undefined;
  }
}

/** A value to store, with the parts of the payload it holds taken out (null when it holds none). */
export interface Referenced {
  value: unknown;
  refs: PayloadRef[] | null;
}

/**
 * Takes the parts of the payload out of `value`: they become null, and a reference each. The value itself is
 * left as it is; only the objects on the way to a part are copied.
 */
export function referPayload(value: unknown, index: PayloadIndex | undefined): Referenced {
  if (!index) return { value, refs: null };
  const refs: PayloadRef[] = [];
  const out = take(value, [], 0, index, refs);
  return { value: out, refs: refs.length > 0 ? refs : null };
}

/** `at` is the path of `value`, one array pushed and popped on the way down: copied only into a reference. */
function take(value: unknown, at: Path, depth: number, index: PayloadIndex, refs: PayloadRef[]): unknown {
  if (typeof value !== 'object' || value === null) return value;
  const from = index.pathOf(value);
  if (from) {
    refs.push([at.slice(), from]);
    return null;
  }
  if (depth >= SEARCH_DEPTH) return value;
  if (Array.isArray(value)) {
    let copy: unknown[] | undefined;
    for (let i = 0; i < value.length; i++) {
      const child: unknown = value[i];
      if (typeof child !== 'object' || child === null) continue;
      at.push(i);
      const taken = take(child, at, depth + 1, index, refs);
      at.pop();
      if (taken !== child) {
        copy ??= value.slice();
        copy[i] = taken;
      }
    }
    return copy ?? value;
  }
  if (!isPlainObject(value)) return value;
  let out = value;
  // whether `out` is a copy of this function's own, to change in place
  let copied = false;
  const base = index.baseOf(value);
  if (base) {
    refs.push([at.slice(), base.path.slice(), 'fields']);
    out = {};
    copied = true;
    for (const key in value) {
      if (!Object.hasOwn(base.value, key) || value[key] !== base.value[key])
        defineField(out, key, value[key]);
    }
  }
  for (const key in out) {
    const child = out[key];
    if (typeof child !== 'object' || child === null) continue;
    at.push(key);
    const taken = take(child, at, depth + 1, index, refs);
    at.pop();
    if (taken !== child) {
      if (!copied) {
        out = { ...out };
        copied = true;
      }
      defineField(out, key, taken);
    }
  }
  return out;
}

/**
 * Puts the payload's parts back into a value read from storage (in place: it was just parsed). The parts
 * are the payload's own objects, shared: treat the result as read-only.
 */
export function resolvePayload(
  value: unknown,
  refs: readonly PayloadRef[] | null,
  payload: unknown,
): unknown {
  if (!refs || refs.length === 0) return value;
  let root = value;
  for (const [at, from, kind] of refs) {
    const part = valueAt(payload, from);
    // a 'fields' reference merges the part into the object stored there; a plain one puts the part there
    const put = (stored: unknown) => (kind === 'fields' ? withFieldsOf(stored, part) : part);
    if (at.length === 0) {
      root = put(root);
      continue;
    }
    const parent = valueAt(root, at.slice(0, -1));
    const key = at[at.length - 1] as string | number;
    if (typeof parent === 'object' && parent !== null)
      defineField(parent as Record<string, unknown>, key, put(valueAt(parent, [key])));
  }
  return root;
}

/**
 * A stored object with the fields of the payload's object put back, in the order Postgres keeps a jsonb
 * object's keys (shorter first, then by their UTF-8 bytes): as the object reads when stored whole. Either
 * missing (an event deleted since), the stored object as it is.
 */
function withFieldsOf(own: unknown, part: unknown): unknown {
  if (!isPlainObject(own) || !isPlainObject(part)) return own;
  const keys = [...Object.keys(own), ...Object.keys(part).filter((key) => !Object.hasOwn(own, key))];
  keys.sort(jsonbKeyOrder);
  const out: Record<string, unknown> = {};
  for (const key of keys) defineField(out, key, Object.hasOwn(own, key) ? own[key] : part[key]);
  return out;
}

/** Whether a key is ASCII: its UTF-16 units are then its UTF-8 bytes, in the same order. */
function isAscii(key: string): boolean {
  for (let i = 0; i < key.length; i++) if (key.charCodeAt(i) > 0x7f) return false;
  return true;
}

/** Postgres's order of a jsonb object's keys: by length in UTF-8 bytes, then bytewise. */
function jsonbKeyOrder(a: string, b: string): number {
  if (isAscii(a) && isAscii(b)) {
    if (a.length !== b.length) return a.length - b.length;
    return a < b ? -1 : a > b ? 1 : 0;
  }
  const x = Buffer.from(a, 'utf8');
  const y = Buffer.from(b, 'utf8');
  return x.length !== y.length ? x.length - y.length : Buffer.compare(x, y);
}

function valueAt(value: unknown, path: readonly (string | number)[]): unknown {
  let here = value;
  for (const key of path) {
    if (typeof here !== 'object' || here === null || !Object.hasOwn(here, key)) return undefined;
    here = (here as Record<string | number, unknown>)[key];
  }
  return here;
}
