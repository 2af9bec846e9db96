// docs/deploy.md's CI pipeline, run for real: the `npx tributary` steps of its workflow, read from the
// document itself, against a local server — the check on a pull request, the deploy on merge, the deploy
// again changing nothing, a removed file pruned, and a broken file failing the check.
import {
  copyFileSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, expect, inject, test } from 'vitest';
import { parse } from 'yaml';
import { cleanUpConfig, cli, type Server, startServer } from './harness.js';

const repo = fileURLToPath(new URL('../../../', import.meta.url));
let server: Server;
let workspace: string;

interface Workflow {
  jobs: Record<string, { steps: Array<{ run?: string }> }>;
}

/** The `npx tributary …` commands of a job of the workflow in docs/deploy.md, as argument lists. */
function commandsOf(job: string): string[][] {
  const doc = readFileSync(join(repo, 'docs/deploy.md'), 'utf8');
  const block = /```yaml\n([\s\S]*?)```/.exec(doc)?.[1];
  if (!block) throw new Error('docs/deploy.md has no yaml block');
  // the block is the workflow document the page shows
  const workflow = parse(block) as Workflow;
  const steps = workflow.jobs[job]?.steps ?? [];
  const commands = steps
    .map((s) => s.run?.trim() ?? '')
    .filter((run) => run.startsWith('npx tributary '))
    .map((run) => run.split(/\s+/).slice(2));
  expect(commands.length).toBeGreaterThan(0);
  return commands;
}

async function runJob(job: string) {
  const results = [];
  for (const args of commandsOf(job)) results.push(await cli(args, { server, cwd: workspace }));
  return results;
}

async function storedFlows(): Promise<Array<{ slug: string; status: string; latestVersion: number }>> {
  const answer = await server.api.call('GET', '/api/v1/flows');
  return ((await answer.json()) as { items: Array<{ slug: string; status: string; latestVersion: number }> })
    .items;
}

beforeAll(async () => {
  server = await startServer(inject('templateDatabase'));
  workspace = mkdtempSync(join(tmpdir(), 'tributary-flows-repo-'));
  mkdirSync(join(workspace, 'flows'));
  for (const name of readdirSync(join(repo, 'examples')).filter((n) => n.endsWith('.json'))) {
    copyFileSync(join(repo, 'examples', name), join(workspace, 'flows', name));
  }
});

afterAll(async () => {
  await server?.close();
  rmSync(workspace, { recursive: true, force: true });
  cleanUpConfig();
});

test('the documented pipeline checks pull requests, deploys on merge, and is idempotent', async () => {
  const examples = readdirSync(join(workspace, 'flows')).length;

  const [check] = await runJob('check');
  expect(check?.code).toBe(0);
  expect(check?.stdout).toContain(`Dry run, nothing changed: ${examples} flows, ${examples} created.`);
  expect(await storedFlows()).toEqual([]);

  const [deployed] = await runJob('deploy');
  expect(deployed?.code).toBe(0);
  expect(deployed?.stdout).toContain(`Deployed: ${examples} flows, ${examples} created.`);
  const flows = await storedFlows();
  expect(flows).toHaveLength(examples);
  for (const flow of flows) expect(flow).toMatchObject({ status: 'published', latestVersion: 1 });

  const [again] = await runJob('deploy');
  expect(again?.code).toBe(0);
  expect(again?.stdout).toContain(`Nothing to change: ${examples} flows already as in the files.`);
  const [recheck] = await runJob('check');
  expect(recheck?.stdout).toContain('Nothing to change');
  for (const flow of await storedFlows()) expect(flow.latestVersion).toBe(1);

  // a flow whose file is removed is deactivated by the merge
  rmSync(join(workspace, 'flows', 'daily-digest.json'));
  const [pruned] = await runJob('deploy');
  expect(pruned?.code).toBe(0);
  expect(pruned?.stdout).toMatch(/- daily-digest: deactivated \(not in the files\)/);
  expect((await storedFlows()).find((f) => f.slug === 'daily-digest')).toMatchObject({ status: 'inactive' });

  // a broken file fails the pull request's check, naming the file and the field
  const broken = JSON.parse(readFileSync(join(workspace, 'flows', 'welcome-series.json'), 'utf8'));
  broken.nodes[0].type = 'trigger.nope';
  writeFileSync(join(workspace, 'flows', 'welcome-series.json'), JSON.stringify(broken, null, 2));
  const [failed] = await runJob('check');
  expect(failed?.code).toBe(1);
  expect(failed?.stderr).toContain(
    'flows/welcome-series.json: nodes[0].type: User identified: unknown node type "trigger.nope"',
  );
});
