// The set node: adds or replaces fields of the item, at dotted paths that may reach into nested objects.

import { defineField } from '@tributary/flow';
import { z } from 'zod';
import { defineNode } from '../define-node.js';
import { copyItem, isJsonObject } from './json-value.js';

const fieldName = z
  .string()
  .min(1)
  .max(200)
  .regex(
    /^[^.]+(?:\.[^.]+)*$/,
    'use a name or a dotted path like "customer.address.city", without empty parts',
  );

const setConfig = z.strictObject({
  fields: z
    .record(fieldName, z.unknown())
    .describe(
      'Field name → value, applied in order. A dotted name sets a nested field and creates the objects ' +
        'on its way; a non-object value in the way (including an array) is replaced by an object.',
    ),
  keepOnlySet: z
    .boolean()
    .default(false)
    .describe('Output only the fields set here instead of the input item with them added'),
});

/** Adds or replaces fields of the item. */
export const set = defineNode({
  type: 'logic.set',
  version: 1,
  category: 'logic',
  title: 'Set fields',
  description: 'Adds or replaces fields of the item, or builds a new item from the fields alone.',
  icon: 'pencil',
  config: setConfig,
  traits: { pure: true },
  outputDescription:
    'One item on `main`: a copy of the input item (`{}` when the input is not an object) with the fields ' +
    'set, or only the fields when keepOnlySet is on.',
  run: ({ config }, input) => {
    // the input's fields are shared, not copied: only the objects on a set path are copied (below), so the
    // input item stays as it was and an untouched part (a large body) is the same object, stored once
    const item: Record<string, unknown> = !config.keepOnlySet && isJsonObject(input) ? copyFields(input) : {};
    for (const [name, value] of Object.entries(config.fields)) {
      setPath(item, name.split('.'), copyItem(value));
    }
    return { main: [item] };
  },
});

function setPath(target: Record<string, unknown>, [key, ...rest]: readonly string[], value: unknown): void {
  // unreachable: the field-name schema allows no empty path
  if (key === undefined) return;
  if (rest.length === 0) {
    defineField(target, key, value);
    return;
  }
  // own properties only, so a path like "constructor.x" never walks into a prototype; an existing object on
  // the path is the input's, so it is copied before it changes
  const existing = Object.hasOwn(target, key) ? target[key] : undefined;
  const child = isJsonObject(existing) ? copyFields(existing) : {};
  defineField(target, key, child);
  setPath(child, rest, value);
}

/** A shallow copy of an object: its own fields, an own `__proto__` key as an ordinary field. */
function copyFields(value: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const key of Object.keys(value)) defineField(out, key, value[key]);
  return out;
}
