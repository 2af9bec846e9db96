// E-mail address lists in configs and credentials: split with nodemailer's addressparser, each mailbox checked.
import addressparser from 'nodemailer/lib/addressparser';
import { z } from 'zod';

/** One checked mailbox: a plain `local@domain` address and a display name that cannot pose as another. */
export interface Mailbox {
  name: string;
  address: string;
}

/** Most recipients one field may list; a bigger list is a mailing, not a message. */
export const MAX_RECIPIENTS = 100;

// RFC 5322 dot-atom local part (ASCII); quoted local parts are legal but rare and mostly abuse
const LOCAL_PART = /^[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+(?:\.[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+)*$/;
// host-name labels; letters beyond ASCII for internationalised domains, which nodemailer sends as punycode
const DOMAIN_LABEL = /^[\p{L}\p{N}](?:[\p{L}\p{N}-]{0,61}[\p{L}\p{N}])?$/u;
// control characters (CR, LF and NUL among them) and Unicode line separators: a line break would start a header
const CONTROL = /[\p{Cc}\u2028\u2029]/u;

/** Why `address` is not a deliverable `local@domain` address, or undefined when it is one. */
export function addressProblem(address: string): string | undefined {
  const at = address.lastIndexOf('@');
  if (at <= 0 || at === address.length - 1) return `"${address}" is not an e-mail address`;
  if (address.length > 254) return `"${address.slice(0, 40)}…" is longer than 254 characters`;
  const local = address.slice(0, at);
  const domain = address.slice(at + 1);
  if (local.length > 64 || !LOCAL_PART.test(local)) return `"${address}" has an invalid part before the @`;
  const labels = domain.split('.');
  if (labels.length < 2 || !labels.every((label) => DOMAIN_LABEL.test(label))) {
    return `"${address}" has an invalid domain`;
  }
  if (/^\d+$/.test(labels.at(-1) ?? '')) return `"${address}" has an invalid domain`;
  return undefined;
}

/** Why a display name could mislead or break the header, or undefined when it is fine. */
function nameProblem(name: string): string | undefined {
  // "ceo@company.com" <someone@else.example> would show a different sender or recipient than the real one;
  // an encoded word could hide the same trick (or a line break) from this check
  if (/[@<>]/.test(name) || name.includes('=?')) {
    return `the name "${name}" must not contain @, <, > or encoded words`;
  }
  if (name.length > 200) return `the name "${name.slice(0, 40)}…" is longer than 200 characters`;
  return undefined;
}

/**
 * addressparser reads the words around a bare address as a name ("ada lovelace@example.com" becomes
 * lovelace@example.com named "ada"): a named address must be written `Name <address>`, so that a typo
 * never sends to a different address than the one meant.
 */
function bracketProblem(entry: Mailbox, field: string): string | undefined {
  if (entry.name === '') return undefined;
  const compact = field.replace(/<\s+/g, '<').replace(/\s+>/g, '>');
  return compact.includes(`<${entry.address}>`)
    ? undefined
    : `"${entry.name} ${entry.address}" is not an e-mail address; write a name as "Name <address>"`;
}

/**
 * Splits an address field into checked mailboxes. Returns the mailboxes or the problems found;
 * groups (`team: a@x.com, b@x.com;`) are refused, since a group name is one more place to hide a name.
 */
export function parseMailboxes(field: string): { mailboxes: Mailbox[]; problems: string[] } {
  const problems: string[] = [];
  const mailboxes: Mailbox[] = [];
  if (CONTROL.test(field))
    return { mailboxes, problems: ['must not contain line breaks or control characters'] };
  for (const entry of addressparser(field)) {
    if (entry.group !== undefined) {
      problems.push(`address groups ("${entry.name}: …;") are not supported`);
      continue;
    }
    const problem =
      entry.address === '' ? `"${entry.name}" is not an e-mail address` : addressProblem(entry.address);
    const badName = nameProblem(entry.name) ?? bracketProblem(entry, field);
    if (problem !== undefined) problems.push(problem);
    else if (badName !== undefined) problems.push(badName);
    else mailboxes.push({ name: entry.name, address: entry.address });
  }
  return { mailboxes, problems };
}

/**
 * A list of recipients: a string of comma-separated addresses or an array of addresses, each "a@example.com"
 * or "Name <a@example.com>". Parses to checked mailboxes.
 */
export function addressList(description: string) {
  return z
    .union([z.string().max(20_000), z.array(z.string().max(500)).max(MAX_RECIPIENTS)])
    .transform((value, ctx) => {
      const fields = typeof value === 'string' ? [value] : value;
      const mailboxes: Mailbox[] = [];
      let refused = false;
      fields.forEach((field, index) => {
        const parsed = parseMailboxes(field);
        refused ||= parsed.problems.length > 0;
        const path = typeof value === 'string' ? [] : [index];
        for (const message of parsed.problems)
          ctx.issues.push({ code: 'custom', message, input: field, path });
        if (typeof value !== 'string' && parsed.problems.length === 0 && parsed.mailboxes.length !== 1) {
          ctx.issues.push({ code: 'custom', message: 'give one address per entry', input: field, path });
        }
        mailboxes.push(...parsed.mailboxes);
      });
      if (mailboxes.length === 0 && !refused) {
        ctx.issues.push({ code: 'custom', message: 'give at least one address', input: value });
      }
      if (mailboxes.length > MAX_RECIPIENTS) {
        ctx.issues.push({ code: 'custom', message: `at most ${MAX_RECIPIENTS} addresses`, input: value });
      }
      return mailboxes;
    })
    .describe(description);
}
