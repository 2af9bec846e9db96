// The import rules in .dependency-cruiser.cjs, run as `npm run depcruise` runs them, against small trees shaped
// like this repo (scripts/depcruise-fixtures): each broken tree is reported under the rule that forbids it, and
// the clean tree passes.
import {
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  symlinkSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { cruise, type ICruiseResult } from 'dependency-cruiser';
import extractDepcruiseOptions from 'dependency-cruiser/config-utl/extract-depcruise-options';
import extractTSConfig from 'dependency-cruiser/config-utl/extract-ts-config';
import { afterAll, describe, expect, it } from 'vitest';

const repo = join(dirname(fileURLToPath(import.meta.url)), '..');
const fixtures = join(repo, 'scripts/depcruise-fixtures');
const trees: string[] = [];

interface Violation {
  rule: string;
  from: string;
  to: string;
}

/**
 * Copies the clean tree, then the named case's files over it, into a temporary folder, and links each workspace
 * into node_modules/@tributary the way npm workspaces do (plus drizzle-orm from this repo).
 */
function buildTree(caseName?: string): string {
  const tree = mkdtempSync(join(tmpdir(), `depcruise-${caseName ?? 'clean'}-`));
  trees.push(tree);
  cpSync(join(fixtures, 'clean'), tree, { recursive: true });
  if (caseName) cpSync(join(fixtures, caseName), tree, { recursive: true });
  mkdirSync(join(tree, 'node_modules/@tributary'), { recursive: true });
  for (const parent of ['packages', 'apps']) {
    for (const name of readdirSync(join(tree, parent))) {
      const manifest = join(tree, parent, name, 'package.json');
      if (!existsSync(manifest)) continue;
      const link = join(tree, 'node_modules', JSON.parse(readFileSync(manifest, 'utf8')).name);
      symlinkSync(relative(dirname(link), join(tree, parent, name)), link, 'dir');
    }
  }
  symlinkSync(join(repo, 'node_modules/drizzle-orm'), join(tree, 'node_modules/drizzle-orm'), 'dir');
  return tree;
}

const options = await extractDepcruiseOptions(join(repo, '.dependency-cruiser.cjs'));
const tsConfig = extractTSConfig(join(repo, 'tsconfig.base.json'));

/** Every violation the config reports for the tree, cycles by their first step. */
async function violationsOf(caseName?: string): Promise<Violation[]> {
  const tree = buildTree(caseName);
  const result = await cruise(['packages', 'apps'], { ...options, baseDir: tree }, {}, { tsConfig });
  // without an outputType the output is the cruise result itself, not a report string
  const output = result.output as ICruiseResult;
  return output.summary.violations
    .map((violation) => ({ rule: violation.rule.name, from: violation.from, to: violation.to }))
    .sort((a, b) => `${a.rule} ${a.from} ${a.to}`.localeCompare(`${b.rule} ${b.from} ${b.to}`));
}

afterAll(() => {
  for (const tree of trees) rmSync(tree, { recursive: true, force: true });
});

describe('dependency-cruiser rules', () => {
  it('passes the clean tree, where every arrow points the allowed way', async () => {
    expect(await violationsOf()).toEqual([]);
  });

  it('reports an import cycle even when only type imports hold it shut', async () => {
    // definition.ts and graph.ts import only types from each other; the cycle is reported once
    expect(await violationsOf('cycle')).toEqual([
      { rule: 'no-circular', from: 'packages/flow/src/definition.ts', to: 'packages/flow/src/graph.ts' },
    ]);
  });

  it('reports packages/flow importing packages/nodes under layer-flow', async () => {
    expect(await violationsOf('flow-imports-nodes')).toEqual([
      { rule: 'layer-flow', from: 'packages/flow/src/catalogue-size.ts', to: 'packages/nodes/src/index.ts' },
    ]);
  });

  it('reports the editor importing a value, or a type written inline, from @tributary/flow', async () => {
    expect(await violationsOf('editor-imports-flow-values')).toEqual([
      {
        rule: 'editor-flow-types-only',
        from: 'apps/editor/src/inline-type.ts',
        to: 'packages/flow/src/index.ts',
      },
      { rule: 'editor-flow-types-only', from: 'apps/editor/src/ports.ts', to: 'packages/flow/src/index.ts' },
    ]);
  });

  it('reports the editor importing even only types from a server package under layer-editor', async () => {
    expect(await violationsOf('editor-imports-nodes')).toEqual([
      { rule: 'layer-editor', from: 'apps/editor/src/catalogue.ts', to: 'packages/nodes/src/index.ts' },
    ]);
  });

  it('reports an engine stage importing a later stage, one on its own level, or core importing a stage', async () => {
    expect(await violationsOf('engine-later-stage')).toEqual([
      {
        rule: 'engine-stage-order',
        from: 'packages/engine/src/core/flow-names.ts',
        to: 'packages/engine/src/flows/index.ts',
      },
      {
        rule: 'engine-stage-order',
        from: 'packages/engine/src/plan/ahead.ts',
        to: 'packages/engine/src/steps/index.ts',
      },
      {
        rule: 'engine-stage-order',
        from: 'packages/engine/src/tracking/replays.ts',
        to: 'packages/engine/src/control/index.ts',
      },
    ]);
  });

  it("reports an engine folder importing another folder's file past its index.ts", async () => {
    expect(await violationsOf('engine-past-index')).toEqual([
      {
        rule: 'engine-folder-through-index',
        from: 'packages/engine/src/ingest/retry.ts',
        to: 'packages/engine/src/steps/retry-policy.ts',
      },
    ]);
  });

  it('reports an engine file outside every listed stage folder', async () => {
    // helpers/ is no stage, and helpers/ids.ts is no index.ts either
    expect(await violationsOf('engine-unknown-place')).toEqual([
      {
        rule: 'engine-folder-through-index',
        from: 'packages/engine/src/testing/ids.ts',
        to: 'packages/engine/src/helpers/ids.ts',
      },
      {
        rule: 'engine-stage-unknown',
        from: 'packages/engine/src/testing/ids.ts',
        to: 'packages/engine/src/helpers/ids.ts',
      },
    ]);
  });

  it('reports the API importing drizzle-orm outside its tests', async () => {
    const violations = await violationsOf('api-builds-query');
    expect(violations).toEqual([
      {
        rule: 'api-builds-no-queries',
        from: 'apps/api/src/routes/runs.ts',
        to: expect.stringMatching(/node_modules\/drizzle-orm\//),
      },
    ]);
  });

  it("reports imports of another package's files by relative path or by a subpath its exports do not name", async () => {
    expect(await violationsOf('deep-imports')).toEqual([
      {
        rule: 'no-relative-cross-package',
        from: 'packages/engine/src/core/schema-peek.ts',
        to: 'packages/db/src/schema.ts',
      },
      { rule: 'not-to-unresolvable', from: 'apps/api/src/schema-peek.ts', to: '@tributary/db/src/schema.js' },
      {
        rule: 'only-package-exports',
        from: 'packages/engine/src/core/schema-peek.ts',
        to: 'packages/db/src/schema.ts',
      },
    ]);
  });

  it("reports production code importing a package's test helpers", async () => {
    expect(await violationsOf('testing-in-production')).toEqual([
      {
        rule: 'testing-from-tests-only',
        from: 'apps/api/src/seed.ts',
        to: 'packages/engine/src/testing/index.ts',
      },
    ]);
  });

  it('reports the CLI importing an app, and importing the engine', async () => {
    expect(await violationsOf('imports-an-app')).toEqual([
      { rule: 'layer-cli', from: 'apps/cli/src/serve.ts', to: 'packages/engine/src/index.ts' },
      { rule: 'not-to-apps', from: 'apps/cli/src/serve.ts', to: 'apps/api/src/index.ts' },
    ]);
  });

  it("reports a test reaching another app past its testing entry (the clean tree's goes through it)", async () => {
    expect(await violationsOf('test-imports-an-app')).toEqual([
      {
        rule: 'tests-to-apps-through-testing',
        from: 'apps/cli/test/serve.test.ts',
        to: 'apps/api/src/index.ts',
      },
    ]);
  });
});
