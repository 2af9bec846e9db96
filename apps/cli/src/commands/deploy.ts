// tributary deploy <files or folders>: validate flow files, upsert them by slug, publish, optionally prune.
import { createInterface } from 'node:readline/promises';
import type { ApiClient } from '../api-client.js';
import type { ApiCredential, ApiFlow, ApiFlowVersion } from '../api-types.js';
import type { LocalCatalogue } from '../catalogue.js';
import { loadCatalogue } from '../catalogue.js';
import { changeLines, changeSummary } from '../change-text.js';
import type { CommandContext } from '../context.js';
import { namesCredentials } from '../credential-refs.js';
import { type FlowPlan, planFlow, prepareFlows } from '../deploy-plan.js';
import { ApiError, CliError, type FileProblem, UsageError } from '../errors.js';
import { type FlowFile, findFlowFiles, readFlowFile } from '../flow-files.js';

/** The options of deploy. */
export interface DeployOptions {
  dryRun?: boolean;
  draft?: boolean;
  prune?: boolean;
  yes?: boolean;
}

/** One flow in the result. */
interface FlowResult {
  file: string;
  slug: string;
  action: FlowPlan['action'];
  publish: boolean;
  /** The live version after deploy (or the one that would be re-activated). */
  version: number | null;
  changes: FlowPlan['changes'];
}

async function readAll(paths: readonly string[]): Promise<FlowFile[]> {
  const found = await findFlowFiles(paths);
  const read = await Promise.all(found.map(readFlowFile));
  const problems = read.filter((r): r is FileProblem => !('document' in r));
  if (problems.length > 0) throw failed(problems);
  return read.filter((r): r is FlowFile => 'document' in r);
}

function failed(problems: readonly FileProblem[]): CliError {
  const files = new Set(problems.map((p) => p.file)).size;
  return new CliError(
    `${problems.length} problem${problems.length === 1 ? '' : 's'} in ${files} file${files === 1 ? '' : 's'}; nothing was changed`,
    { problems },
  );
}

/** An API refusal while applying, named by the file it was about. */
function refused(plan: FlowPlan, what: string, err: unknown, done: readonly string[]): unknown {
  if (!(err instanceof ApiError)) return err;
  const already = done.length > 0 ? ` (already done: ${done.join('; ')})` : '';
  return new CliError(
    `${plan.file}: ${what} "${plan.slug}" was refused (${err.status}): ${err.message}${already}`,
    {
      cause: err,
      problems: err.apiProblems.map((p) => ({ file: plan.file, ...p })),
    },
  );
}

async function confirm(question: string): Promise<boolean> {
  const rl = createInterface({ input: process.stdin, output: process.stderr });
  try {
    return /^y(es)?$/i.test((await rl.question(question)).trim());
  } finally {
    rl.close();
  }
}

function secretFieldsOf(catalogue: LocalCatalogue) {
  return (type: string) => catalogue.info(type)?.secretFields ?? [];
}

async function planAll(
  api: ApiClient,
  files: readonly FlowFile[],
  catalogue: LocalCatalogue,
  options: DeployOptions,
): Promise<{ plans: FlowPlan[]; prune: ApiFlow[] }> {
  const { items: flows } = await api.get<{ items: ApiFlow[] }>('/flows');
  const needCredentials = files.some((f) => namesCredentials(f.document, catalogue));
  const credentials = needCredentials
    ? (await api.get<{ items: ApiCredential[] }>('/credentials')).items
    : [];
  // a file's nodes are checked as JSON text here: validation of their shape comes after
  const variables = files.some((f) => JSON.stringify(f.document.nodes ?? []).includes('$vars'))
    ? new Set((await api.get<{ items: Array<{ name: string }> }>('/variables')).items.map((v) => v.name))
    : undefined;
  const { prepared, problems } = prepareFlows(
    files,
    { flows, credentials, variables, url: api.url },
    catalogue,
  );
  if (problems.length > 0) throw failed(problems);
  const bySlug = new Map(flows.map((f) => [f.slug, f]));
  const versionsOf = async (id: string) =>
    (await api.get<{ items: ApiFlowVersion[] }>(`/flows/${id}/versions`)).items;
  const plans: FlowPlan[] = [];
  for (const flow of prepared) {
    plans.push(
      await planFlow(flow, bySlug.get(flow.slug), {
        draftOnly: options.draft === true,
        secretFields: secretFieldsOf(catalogue),
        versionsOf,
      }),
    );
  }
  const deployed = new Set(prepared.map((p) => p.slug));
  const prune = options.prune ? flows.filter((f) => f.status === 'published' && !deployed.has(f.slug)) : [];
  return { plans, prune };
}

/** Saves drafts, then publishes, then deactivates; the results in file order. */
async function apply(
  ctx: CommandContext,
  api: ApiClient,
  plans: FlowPlan[],
  prune: readonly ApiFlow[],
): Promise<Map<FlowPlan, number>> {
  const versions = new Map<FlowPlan, number>();
  const done: string[] = [];
  const work = plans.filter((p) => p.action !== 'unchanged');
  const progress = ctx.out.progress('deploying');
  let step = 0;
  const total = work.length + work.filter((p) => p.publish).length + prune.length;
  const tick = (what: string) => progress.update(`${what} (${++step}/${total})`);
  try {
    // every draft is saved before anything is published, so a flow naming another as its error flow finds it
    for (const plan of work) {
      if (plan.action === 'create') {
        tick(`creating ${plan.slug}`);
        const created = await api.post<ApiFlow>('/flows', plan.definition).catch((err) => {
          throw refused(plan, 'creating', err, done);
        });
        plan.flowId = created.id;
        done.push(`created ${plan.slug}`);
      } else if (plan.action === 'update') {
        tick(`updating ${plan.slug}`);
        await api.put<ApiFlow>(`/flows/${plan.flowId}`, plan.definition).catch((err) => {
          throw refused(plan, 'updating', err, done);
        });
        done.push(`updated the draft of ${plan.slug}`);
      }
    }
    for (const plan of work.filter((p) => p.publish)) {
      tick(`publishing ${plan.slug}`);
      const path =
        plan.reactivate !== undefined
          ? `/flows/${plan.flowId}/versions/${plan.reactivate}/publish`
          : `/flows/${plan.flowId}/publish`;
      const live = await api.post<{ version: number }>(path).catch((err) => {
        throw refused(plan, 'publishing', err, done);
      });
      versions.set(plan, live.version);
      done.push(`published ${plan.slug} as version ${live.version}`);
    }
    for (const flow of prune) {
      tick(`deactivating ${flow.slug}`);
      await api.post<ApiFlow>(`/flows/${flow.id}/deactivate`);
      done.push(`deactivated ${flow.slug}`);
    }
  } finally {
    progress.stop();
  }
  return versions;
}

function describe(plan: FlowPlan, dryRun: boolean): string {
  const publish = plan.reactivate !== undefined ? `make version ${plan.reactivate} live again` : 'publish';
  const verbs: Record<FlowPlan['action'], string> = {
    create: plan.publish ? `create and ${publish}` : 'create as a draft',
    update: plan.publish ? `update and ${publish}` : 'update the draft',
    publish: `${publish} (${plan.reason})`,
    unchanged: 'unchanged',
  };
  const past: Record<FlowPlan['action'], string> = {
    create: plan.publish ? 'created and published' : 'created as a draft',
    update: plan.publish ? 'updated and published' : 'draft updated',
    publish: plan.reactivate !== undefined ? `version ${plan.reactivate} made live again` : 'published',
    unchanged: 'unchanged',
  };
  return dryRun && plan.action !== 'unchanged' ? `would ${verbs[plan.action]}` : past[plan.action];
}

function print(
  ctx: CommandContext,
  plans: FlowPlan[],
  prune: readonly ApiFlow[],
  versions: Map<FlowPlan, number | null>,
  dryRun: boolean,
) {
  const { c } = ctx.out;
  const marks = {
    create: c.green('+'),
    update: c.yellow('~'),
    publish: c.yellow('~'),
    unchanged: c.dim('='),
  };
  for (const plan of plans) {
    const version = versions.get(plan);
    const summary = changeSummary(plan.changes);
    const details = [
      describe(plan, dryRun),
      version != null && !dryRun ? `live version ${version}` : '',
      !dryRun && summary !== '' && plan.action !== 'create' ? summary : '',
    ].filter(Boolean);
    const line = `${marks[plan.action]} ${c.bold(plan.slug)} ${c.dim(`(${plan.file})`)}: ${details.join(', ')}`;
    ctx.out.line(plan.action === 'unchanged' ? c.dim(line) : line);
    if (dryRun && plan.action !== 'unchanged') for (const l of changeLines(plan.changes, c)) ctx.out.line(l);
    for (const path of plan.changes.uncompared) {
      ctx.out.warn(
        `${plan.file}: ${path} is a secret the API does not show, so it was not compared; keep secrets in credentials`,
      );
    }
  }
  for (const flow of prune) {
    ctx.out.line(
      `${c.red('-')} ${c.bold(flow.slug)}: ${dryRun ? 'would deactivate' : 'deactivated'} (not in the files)`,
    );
  }
  const changed = plans.filter((p) => p.action !== 'unchanged').length + prune.length;
  const count = (action: FlowPlan['action']) => plans.filter((p) => p.action === action).length;
  const tally = [
    count('create') > 0 ? `${count('create')} created` : '',
    count('update') > 0 ? `${count('update')} updated` : '',
    count('publish') > 0 ? `${count('publish')} published` : '',
    count('unchanged') > 0 ? `${count('unchanged')} unchanged` : '',
    prune.length > 0 ? `${prune.length} deactivated` : '',
  ].filter(Boolean);
  const flows = `${plans.length} flow${plans.length === 1 ? '' : 's'}`;
  if (changed === 0) ctx.out.line(`Nothing to change: ${flows} already as in the files.`);
  else ctx.out.line(`${dryRun ? 'Dry run, nothing changed' : 'Deployed'}: ${flows}, ${tally.join(', ')}.`);
}

/** Runs deploy. */
export async function deploy(ctx: CommandContext, paths: string[], options: DeployOptions): Promise<void> {
  const dryRun = options.dryRun === true;
  const files = await readAll(paths);
  const api = await ctx.api();
  const catalogue = await loadCatalogue();
  const reading = ctx.out.progress(
    `checking ${files.length} flow file${files.length === 1 ? '' : 's'} against ${api.url}`,
  );
  let planned: Awaited<ReturnType<typeof planAll>>;
  try {
    planned = await planAll(api, files, catalogue, options);
  } finally {
    reading.stop();
  }
  const { plans, prune } = planned;
  if (!dryRun && prune.length > 0 && !options.yes) {
    const names = prune.map((f) => f.slug).join(', ');
    if (!ctx.interactive) {
      throw new UsageError(
        `--prune would deactivate ${prune.length} flow(s) (${names}): add --yes to confirm when not on a terminal`,
      );
    }
    if (!(await confirm(`Deactivate ${prune.length} flow(s) not in the files (${names})? [y/N] `))) {
      throw new CliError('deploy aborted; nothing was changed');
    }
  }
  const published = dryRun ? new Map<FlowPlan, number>() : await apply(ctx, api, plans, prune);
  const versions = new Map(plans.map((plan) => [plan, published.get(plan) ?? plan.liveVersion]));
  print(ctx, plans, prune, versions, dryRun);
  const results: FlowResult[] = plans.map((plan) => ({
    file: plan.file,
    slug: plan.slug,
    action: plan.action,
    publish: plan.publish,
    version: versions.get(plan) ?? null,
    changes: plan.changes,
  }));
  ctx.out.result({
    dryRun,
    draft: options.draft === true,
    changed: results.some((r) => r.action !== 'unchanged') || prune.length > 0,
    flows: results,
    pruned: prune.map((f) => ({ id: f.id, slug: f.slug })),
  });
}
