// The command line: global options, the commands and their options (commander), each command a function
// of src/commands/.
import { readFileSync } from 'node:fs';
import { Command, InvalidArgumentError, Option } from 'commander';
import { backfill } from './commands/backfill.js';
import { listCredentials } from './commands/credentials.js';
import { deploy } from './commands/deploy.js';
import { listDeadLetters, redrive, showDeadLetter } from './commands/dlq.js';
import { sendEvent } from './commands/events.js';
import { exportFlows } from './commands/export.js';
import { createKey, KEY_SCOPES, listKeys, revokeKey } from './commands/keys.js';
import { listProfiles, removeProfile, setProfile } from './commands/profiles.js';
import { listRuns, replayRun, showRun } from './commands/runs.js';
import { listVariables, setVariable, unsetVariable } from './commands/vars.js';
import { CommandContext, type GlobalOptions } from './context.js';
import type { CliEnv } from './env.js';

const RUN_STATUSES = ['queued', 'running', 'waiting', 'succeeded', 'failed', 'canceled'];

function version(): string {
  // package.json sits one folder above both src/ and dist/
  const manifest: unknown = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8'));
  return typeof manifest === 'object' && manifest !== null && 'version' in manifest
    ? String(manifest.version)
    : '0.0.0';
}

function limit(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1 || n > 500)
    throw new InvalidArgumentError('a whole number from 1 to 500');
  return n;
}

function positive(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) throw new InvalidArgumentError('a whole number from 1');
  return n;
}

function scopes(value: string, previous: string[] = []): string[] {
  if (!(KEY_SCOPES as readonly string[]).includes(value)) {
    throw new InvalidArgumentError(`one of ${KEY_SCOPES.join(', ')}`);
  }
  return [...previous, value];
}

function collect(value: string, previous: string[] = []): string[] {
  return [...previous, value];
}

/** Where the program leaves the context of the command it ran, for the error report. */
export interface RunHolder {
  context?: CommandContext;
}

/** Builds the program; each action gets a context made from the global options and `env`. */
export function buildProgram(env: CliEnv, holder: RunHolder = {}): Command {
  const program = new Command('tributary');
  const ctx = (command: Command) => {
    holder.context = new CommandContext(command.optsWithGlobals<GlobalOptions>(), env);
    return holder.context;
  };
  program
    .description('Deploy and export Tributary flows, follow runs, redrive dead letters.')
    .version(version(), '-V, --version')
    .option('--url <url>', 'the Tributary server (env TRIBUTARY_URL; default http://localhost:3000)')
    .option('--key <key>', 'an API key (env TRIBUTARY_API_KEY)')
    .option('--profile <name>', 'a named profile of the config file (env TRIBUTARY_PROFILE)')
    .option('--json', 'print one JSON document for machines instead of text')
    .option('--no-color', 'no colour (also when NO_COLOR is set or the output is not a terminal)')
    .exitOverride()
    .showHelpAfterError('(tributary --help lists the commands and options)');

  program
    .command('deploy')
    .description('validate flow files and create or update their flows by slug, then publish them')
    .argument('<paths...>', 'flow files (.json, .yaml, .yml) or folders holding them')
    .option('--dry-run', 'print what would change, flow by flow, and change nothing')
    .option('--draft', 'save the drafts without publishing them')
    .option('--prune', 'deactivate the published flows that are not in the files')
    .option('-y, --yes', 'do not ask before deactivating (needed with --prune when not on a terminal)')
    .action((paths: string[], options, command: Command) => deploy(ctx(command), paths, options));

  program
    .command('export')
    .description('write flows as stable, diff-friendly JSON files (credentials by name, no secrets)')
    .option('--slug <slug>', 'only this flow (repeat for more)', collect)
    .option('--out <dir>', 'the folder to write <slug>.json files to', '.')
    .option('--published', 'the live version of each flow instead of its draft')
    .option('--include-inactive', 'inactive flows too')
    .action((options, command: Command) => exportFlows(ctx(command), options));

  const runs = program.command('runs').description('run history and replays');
  runs
    .command('list')
    .description('list runs, newest first')
    .option('--flow <slug>', 'only the runs of this flow')
    .addOption(new Option('--status <status>', 'only runs in this status').choices(RUN_STATUSES))
    .option('--limit <n>', 'how many (1-500)', limit, 20)
    .option('--cursor <cursor>', 'the next page (printed under the table)')
    .action((options, command: Command) => listRuns(ctx(command), options));
  runs
    .command('show')
    .description('show a run and its steps')
    .argument('<run-id>')
    .action((id: string, _options, command: Command) => showRun(ctx(command), id));
  runs
    .command('replay')
    .description('start a new run from the same event')
    .argument('<run-id>')
    .option('--current-version', "on the flow's live version instead of the run's own")
    .action((id: string, options, command: Command) => replayRun(ctx(command), id, options));

  program
    .command('backfill')
    .description('replay the stored events of a time range into a published version of the flow, as new runs')
    .argument('<slug>', 'the flow')
    .requiredOption('--from <time>', 'events received at or after this time (e.g. 2026-12-01T00:00:00Z)')
    .option('--to <time>', 'and before this time (default: now)')
    .option('--flow-version <n>', "a published version (default: the flow's live one)", positive)
    .option(
      '--filter <expression>',
      'only events for which this {{ }} expression is truthy ($json: the trigger item)',
    )
    .option('--name <event>', 'tracking flows: only events of this name (repeat for more)', collect)
    .option('--max-in-flight <n>', 'at most this many of its runs open at once (default 50)', positive)
    .option('--wait', 'follow its progress until it ends (exit code 1 unless it is done)')
    .action((slug: string, options, command: Command) => backfill(ctx(command), slug, options));

  const dlq = program.command('dlq').description('dead letters: steps that could not succeed');
  dlq
    .command('list')
    .description('list dead letters, newest first')
    .option('--flow <slug>', 'only the dead letters of this flow')
    .addOption(
      new Option('--status <status>', 'which ones')
        .choices(['pending', 'redriven', 'discarded', 'all'])
        .default('pending'),
    )
    .option('--limit <n>', 'how many (1-500)', limit, 20)
    .option('--cursor <cursor>', 'the next page (printed under the table)')
    .action((options, command: Command) => listDeadLetters(ctx(command), options));
  dlq
    .command('show')
    .description('show a dead letter: its error, attempts and input')
    .argument('<id>')
    .action((id: string, _options, command: Command) => showDeadLetter(ctx(command), id));
  dlq
    .command('redrive')
    .description('run dead steps again; their runs resume from there')
    .argument('[ids...]', 'the dead letters to redrive')
    .option('--all', 'every pending dead letter (of --flow, if given)')
    .option('--flow <slug>', 'with --all: only the dead letters of this flow')
    .option('--current-version', "on the flow's live version instead of the run's own")
    .action((ids: string[], options, command: Command) => redrive(ctx(command), ids, options));

  const events = program.command('events').description('send events');
  events
    .command('send')
    .description('send an event to a webhook trigger (POST /hooks/<path>)')
    .argument('<path>', "the webhook trigger's path")
    .option('--data <json>', 'the JSON body: inline, @file.json, or @- for stdin')
    .option('--header <header>', 'a header "Name: value" (repeat for more)', collect)
    .option('--idempotency-key <key>', 'sent as Idempotency-Key: the same key twice starts one run')
    .addOption(
      new Option('--method <method>', 'the HTTP method')
        .choices(['POST', 'PUT', 'PATCH', 'GET'])
        .default('POST'),
    )
    .action((path: string, options, command: Command) => sendEvent(ctx(command), path, options));

  program
    .command('credentials')
    .description('credentials of the instance')
    .command('list')
    .description('list credentials by name, with the flows using each (never their secrets)')
    .action((_options, command: Command) => listCredentials(ctx(command)));

  const keys = program.command('keys').description('API keys for CI and scripts');
  keys
    .command('create')
    .description('make a key (shown once); it can hold no more than the key or user making it')
    .argument('<name>', 'what the key is for, e.g. "github deploy"')
    .requiredOption(
      '--scope <scope>',
      `a scope the key holds, repeat for more: ${KEY_SCOPES.join(', ')}`,
      scopes,
    )
    .option('--expires <when>', 'when it stops working: 30d, 12h or a date such as 2027-01-31')
    .action((name: string, options, command: Command) => createKey(ctx(command), name, options));
  keys
    .command('list')
    .description('list keys: yours, or every key with the admin scope (never the keys themselves)')
    .action((_options, command: Command) => listKeys(ctx(command)));
  keys
    .command('revoke')
    .description('revoke a key at once')
    .argument('<id>')
    .action((id: string, _options, command: Command) => revokeKey(ctx(command), id));

  const vars = program
    .command('vars')
    .description('variables of the instance, read in expressions as $vars.NAME');
  vars
    .command('list')
    .description('list variables with their values and the flows reading each')
    .action((_options, command: Command) => listVariables(ctx(command)));
  vars
    .command('set')
    .description('create a variable or change its value (needs the admin scope)')
    .argument('<name>', 'a letter or _, then letters, digits or _ (what follows $vars.)')
    .argument('<value>', 'its text (use $number($vars.NAME) in an expression for a number)')
    .option('--description <text>', 'what it is for')
    .action((name: string, value: string, options, command: Command) =>
      setVariable(ctx(command), name, value, options),
    );
  vars
    .command('unset')
    .description('delete a variable; refused while flows read it, unless --force')
    .argument('<name>')
    .option('--force', 'delete it even while flows read it (their expressions then read nothing there)')
    .action((name: string, options, command: Command) => unsetVariable(ctx(command), name, options));

  const profiles = program.command('profiles').description('named servers and keys in your config folder');
  profiles
    .command('list')
    .description('list the profiles')
    .action((_options, command: Command) => listProfiles(ctx(command)));
  profiles
    .command('set')
    .description(
      'create or change a profile from --url and --key (tributary profiles set prod --url … --key …)',
    )
    .argument('<name>')
    .option('--default', 'use it when no profile is named')
    .action((name: string, _options, command: Command) =>
      // the global --url and --key are what the profile keeps
      setProfile(ctx(command), name, command.optsWithGlobals<GlobalOptions & { default?: boolean }>()),
    );
  profiles
    .command('remove')
    .description('remove a profile')
    .argument('<name>')
    .action((name: string, _options, command: Command) => removeProfile(ctx(command), name));

  return program;
}
