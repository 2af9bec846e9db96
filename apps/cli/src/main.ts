// Runs the CLI: parses the arguments, runs the command, prints what went wrong, returns the exit code.
import { CommanderError } from 'commander';
import { readEnv } from './env.js';
import { ApiError, CliError, messageOf } from './errors.js';
import { Output } from './output.js';
import { buildProgram, type RunHolder } from './program.js';

/** Exit codes: 0 done, 1 a validation or API problem, 2 the command was used the wrong way. */
export const EXIT = { ok: 0, failed: 1, usage: 2 } as const;

function wantsJson(argv: readonly string[]): boolean {
  return argv.includes('--json');
}

/** Runs the CLI with `argv` (without node and the script) and returns the exit code. */
export async function run(argv: readonly string[]): Promise<number> {
  const env = readEnv();
  const holder: RunHolder = {};
  const program = buildProgram(env, holder);
  try {
    await program.parseAsync([...argv], { from: 'user' });
    return EXIT.ok;
  } catch (err) {
    if (err instanceof CommanderError) {
      // help and version end with 0; every other complaint of commander is about how the command was used
      return err.exitCode === 0 ? EXIT.ok : EXIT.usage;
    }
    // the command's own printer when it got that far (it knows whether its JSON result is out already)
    const out =
      holder.context?.out ??
      new Output({
        json: wantsJson(argv),
        noColor: env.noColor || argv.includes('--no-color'),
        forceColor: env.forceColor,
      });
    const c = out.ce;
    if (err instanceof CliError) {
      const prefix = err instanceof ApiError ? `${c.red('error')} (${err.status})` : c.red('error');
      out.note(`${prefix}: ${err.message}`);
      for (const p of err.problems) {
        out.note(`  ${p.file}${p.path === '' ? '' : `: ${c.bold(p.path)}`}: ${p.message}`);
      }
      if (err instanceof ApiError) {
        for (const p of err.apiProblems)
          out.note(`  ${p.path === '' ? '' : `${c.bold(p.path)}: `}${p.message}`);
      }
      out.errorResult({
        message: err.message,
        exitCode: err.exitCode,
        ...(err instanceof ApiError ? { status: err.status, code: err.code, problems: err.apiProblems } : {}),
        ...(err.problems.length > 0 ? { problems: err.problems } : {}),
      });
      return err.exitCode;
    }
    out.note(
      `${c.red('unexpected error')}: ${err instanceof Error ? (err.stack ?? err.message) : messageOf(err)}`,
    );
    return EXIT.failed;
  }
}
