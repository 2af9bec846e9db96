// Validation problems in words people use: a zod error map that says what to do ("enter a path such as
// orders/created") instead of what the schema expected ("expected string, received undefined"), and the
// subject of each problem named the way the editor shows it ("Webhook → Path").
import { z } from 'zod';
import { fieldLabel, humanize } from './labels.js';

/**
 * The per-parse error map of flow validation. Messages written on a schema itself (a regex's explanation)
 * take precedence over it, as zod does for every per-parse map.
 */
export const flowErrorMap: z.core.$ZodErrorMap = (issue) => hint(issue);

function hint(issue: z.core.$ZodRawIssue): string | undefined {
  switch (issue.code) {
    case 'invalid_type':
      if (issue.input !== undefined && issue.input !== null) {
        return `${expectedKind(issue.expected)}, not ${kindOf(issue.input)}`;
      }
      // a missing group or list is filled in, not "entered"
      if (issue.expected === 'array') return 'add at least one entry';
      if (issue.expected === 'object' || issue.expected === 'record') return 'fill in the fields';
      return withExample(`enter ${nounOf(issue.path)}`, issue.inst);
    case 'too_small':
      return tooSmall(issue);
    case 'too_big':
      return tooBig(issue);
    case 'invalid_value':
      return `choose one of ${listOf(issue.values.map(String))}`;
    case 'invalid_union':
      return unionHint(issue);
    case 'unrecognized_keys':
      return `remove the unknown field${issue.keys.length === 1 ? '' : 's'} ${listOf(issue.keys)}`;
    case 'invalid_format':
      return formatHint(issue.format);
    case 'not_multiple_of':
      return `use a multiple of ${String(issue.divisor)}`;
    case 'invalid_key':
      return 'use a valid name for each entry';
    case 'invalid_element':
      return 'one of the entries is not valid';
    default:
      return undefined;
  }
}

function expectedKind(expected: string): string {
  switch (expected) {
    case 'string':
      return 'enter text';
    case 'number':
      return 'enter a number';
    case 'int':
      return 'enter a whole number';
    case 'boolean':
      return 'choose on or off';
    case 'array':
      return 'enter a list';
    case 'object':
    case 'record':
      return 'fill in the fields';
    default:
      return `enter ${expected}`;
  }
}

function kindOf(value: unknown): string {
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'string') return 'text';
  if (typeof value === 'number') return Number.isInteger(value) ? 'a whole number' : 'a fraction';
  if (typeof value === 'boolean') return 'on/off';
  if (typeof value === 'object') return 'a group of fields';
  return typeof value;
}

function tooSmall(issue: z.core.$ZodRawIssue<z.core.$ZodIssueTooSmall>): string {
  const n = Number(issue.minimum);
  switch (issue.origin) {
    case 'string':
      return n <= 1 ? withExample(`enter ${nounOf(issue.path)}`, issue.inst) : `use at least ${n} characters`;
    case 'array':
    case 'set':
      return n <= 1 ? 'add at least one entry' : `add at least ${n} entries`;
    case 'number':
    case 'int':
    case 'bigint':
      return issue.inclusive ? `use ${n} or more` : `use more than ${n}`;
    default:
      return `use at least ${n}`;
  }
}

function tooBig(issue: z.core.$ZodRawIssue<z.core.$ZodIssueTooBig>): string {
  const n = Number(issue.maximum);
  switch (issue.origin) {
    case 'string':
      return `use at most ${n} characters`;
    case 'array':
    case 'set':
      return `use at most ${n} entries`;
    case 'number':
    case 'int':
    case 'bigint':
      return issue.inclusive ? `use ${n} or less` : `use less than ${n}`;
    default:
      return `use at most ${n}`;
  }
}

function unionHint(issue: z.core.$ZodRawIssue<z.core.$ZodIssueInvalidUnion>): string {
  // a discriminated union names its options; the field is then a choice (auth type, operation)
  const options = 'options' in issue && Array.isArray(issue.options) ? issue.options.map(String) : [];
  if (options.length > 0) return `choose one of ${listOf(options)}`;
  if (issue.input === undefined || issue.input === null) return `enter ${nounOf(issue.path)}`;
  return 'this value does not fit any of the accepted forms';
}

function formatHint(format: string): string {
  switch (format) {
    case 'email':
      return 'enter an e-mail address such as ada@example.com';
    case 'url':
      return 'enter a full URL such as https://api.example.com/orders';
    case 'uuid':
    case 'guid':
      return 'enter an ID such as 3f0c1a52-8a1e-4c55-9d4e-1b2f0c3d4e5f';
    case 'datetime':
      return 'enter a date and time such as 2026-01-31T09:00:00Z';
    case 'date':
      return 'enter a date such as 2026-01-31';
    case 'regex':
      return 'use the expected format';
    default:
      return `enter a valid ${format}`;
  }
}

/** "a", "a" or "b", "a", "b" or "c" — quoted, as people write a short list of choices. */
function listOf(items: readonly string[]): string {
  const quoted = items.map((item) => `"${item}"`);
  if (quoted.length <= 1) return quoted.join('');
  return `${quoted.slice(0, -1).join(', ')} or ${quoted.at(-1)}`;
}

/** "a path" for a field named `path`, "a URL" for `url`; "a value" when the name is not one plain word. */
function nounOf(path: readonly PropertyKey[] | undefined): string {
  const key = path?.at(-1);
  if (typeof key !== 'string' || !/^[a-z]+$/i.test(key) || /[a-z][A-Z]/.test(key)) return 'a value';
  const word = humanize(key);
  // a plural name ("fields", "headers") takes no article
  if (/[^su]s$/.test(key)) return word.toLowerCase();
  const noun = word === word.toUpperCase() ? word : word.toLowerCase();
  return `${/^[aeio]/i.test(noun) ? 'an' : 'a'} ${noun}`;
}

/** Adds the field's own example (a description's `e.g. "orders/created"`) to a hint. */
function withExample(text: string, inst: unknown): string {
  const description = inst instanceof z.ZodType ? inst.description : undefined;
  const example = description ? /\be\.g\.,? "([^"]+)"/.exec(description)?.[1] : undefined;
  return example ? `${text} such as ${example}` : text;
}

/** "Webhook → Path: enter a path such as orders/created" — the subject, the field, and what to do. */
export function problemSentence(subject: string, path: readonly PropertyKey[], text: string): string {
  const where = path.length > 0 ? `${subject} → ${fieldLabel(path)}` : subject;
  return `${where}: ${text}`;
}
