// tributary export [--slug x] [--out dir]: flows as canonical files (sorted keys, rounded positions,
// credentials by name, secrets masked by the API), so export → deploy → export gives the same bytes.
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { formatPath } from '@tributary/flow';
import type { ApiCredential, ApiFlow, ApiFlowVersion } from '../api-types.js';
import { flowFileText, isObject, type JsonObject } from '../canonical.js';
import { loadCatalogue } from '../catalogue.js';
import type { CommandContext } from '../context.js';
import { holdsCredentialIds, writeCredentialNames } from '../credential-refs.js';
import { CliError, systemCode } from '../errors.js';
import { SECRET_MASK } from '../flow-diff.js';

/** The options of export. */
export interface ExportOptions {
  slug?: string[];
  out?: string;
  published?: boolean;
  includeInactive?: boolean;
}

type FileStatus = 'created' | 'updated' | 'unchanged';

async function writeIfChanged(path: string, text: string): Promise<FileStatus> {
  let before: string | undefined;
  try {
    before = await readFile(path, 'utf8');
  } catch (err) {
    if (systemCode(err) !== 'ENOENT') throw err;
  }
  if (before === text) return 'unchanged';
  await writeFile(path, text);
  return before === undefined ? 'created' : 'updated';
}

function pick(flows: readonly ApiFlow[], options: ExportOptions): ApiFlow[] {
  if (!options.slug || options.slug.length === 0) {
    return flows.filter((f) => options.includeInactive || f.status !== 'inactive');
  }
  const bySlug = new Map(flows.map((f) => [f.slug, f]));
  const missing = options.slug.filter((s) => !bySlug.has(s));
  if (missing.length > 0)
    throw new CliError(`no flow with the slug ${missing.map((s) => `"${s}"`).join(', ')}`);
  return options.slug.flatMap((s) => bySlug.get(s) ?? []);
}

function maskedPaths(definition: JsonObject): string[] {
  const found: string[] = [];
  const walk = (value: unknown, segments: PropertyKey[]): void => {
    if (value === SECRET_MASK) found.push(formatPath(segments));
    else if (Array.isArray(value)) {
      for (const [index, inner] of value.entries()) walk(inner, [...segments, index]);
    } else if (isObject(value)) {
      for (const [key, inner] of Object.entries(value)) walk(inner, [...segments, key]);
    }
  };
  walk(definition, []);
  return found;
}

/** Runs export. */
export async function exportFlows(ctx: CommandContext, options: ExportOptions): Promise<void> {
  const api = await ctx.api();
  const out = options.out ?? '.';
  const catalogue = await loadCatalogue();
  const { items } = await api.get<{ items: ApiFlow[] }>('/flows');
  const chosen = pick(items, options).sort((a, b) => (a.slug < b.slug ? -1 : a.slug > b.slug ? 1 : 0));
  const skipped = items.length - chosen.length;
  const progress = ctx.out.progress(`exporting ${chosen.length} flows`);
  const results: Array<{ slug: string; file: string; status: FileStatus; version: number | null }> = [];
  try {
    let credentials: ApiCredential[] | undefined;
    await mkdir(out, { recursive: true });
    for (const [index, flow] of chosen.entries()) {
      progress.update(`exporting ${flow.slug} (${index + 1}/${chosen.length})`);
      let definition = flow.draft;
      let version: number | null = null;
      if (options.published) {
        if (flow.activeVersion === null) {
          ctx.out.warn(`${flow.slug} has no live version: left out (export its draft without --published)`);
          continue;
        }
        const { items: versions } = await api.get<{ items: ApiFlowVersion[] }>(`/flows/${flow.id}/versions`);
        const live = versions.find((v) => v.version === flow.activeVersion);
        if (!live) throw new CliError(`${flow.slug}: version ${flow.activeVersion} is not listed by the API`);
        definition = live.definition;
        version = live.version;
      } else if (flow.problems.length > 0) {
        ctx.out.warn(
          `${flow.slug}: its draft has ${flow.problems.length} problem(s); deploy will refuse the file until they are fixed`,
        );
      }
      if (holdsCredentialIds(definition, catalogue)) {
        credentials ??= (await api.get<{ items: ApiCredential[] }>('/credentials')).items;
        const named = writeCredentialNames(definition, credentials, catalogue);
        definition = named.definition;
        for (const id of named.unknownIds) {
          ctx.out.warn(`${flow.slug}: credential ${id} no longer exists; its id is written as it is`);
        }
      }
      for (const path of maskedPaths(definition)) {
        ctx.out.warn(
          `${flow.slug}: ${path} is a secret, written as "${SECRET_MASK}" (keep secrets in credentials)`,
        );
      }
      const file = join(out, `${flow.slug}.json`);
      results.push({
        slug: flow.slug,
        file,
        status: await writeIfChanged(file, flowFileText(definition)),
        version,
      });
    }
  } finally {
    progress.stop();
  }
  const { c } = ctx.out;
  const marks: Record<FileStatus, string> = {
    created: c.green('+'),
    updated: c.yellow('~'),
    unchanged: c.dim('='),
  };
  for (const r of results) ctx.out.line(`${marks[r.status]} ${r.file} ${c.dim(r.status)}`);
  const left =
    skipped > 0 && !options.slug?.length ? ` (${skipped} inactive left out: --include-inactive)` : '';
  ctx.out.line(`Exported ${results.length} flow${results.length === 1 ? '' : 's'} to ${out}${left}.`);
  ctx.out.result({ out, flows: results });
}
