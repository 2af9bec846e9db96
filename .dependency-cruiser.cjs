// Import rules for the whole repo, checked by `npm run depcruise` (part of `npm run lint`, so of `npm test`):
// no cycles anywhere, workspaces depend on each other only the way DESIGN.md §1 draws, only through package
// names and their `exports`, and the engine's stage folders import one way down the pipeline.
const { readdirSync, readFileSync, existsSync } = require('node:fs');
const { join, posix } = require('node:path');

/** Test code: `*.test.ts`, `test-*.ts` helpers, and `test/`, `testing/`, `e2e/` folders (as the tsconfigs exclude it). */
const testFile = '\\.test\\.tsx?$';
const testCode = [testFile, '(^|/)test-[^/]+\\.tsx?$', '(^|/)(test|testing|e2e)/', '\\.spec\\.tsx?$'];

/**
 * Which workspace packages each workspace may import (DESIGN.md §1), and why. Apps and the bench are never
 * imported (rule not-to-apps); every folder under packages/ and apps/ must be listed here.
 */
const layers = [
  { workspace: 'packages/flow', may: [], why: 'flow is the pure, browser-safe schema everything builds on' },
  {
    workspace: 'packages/nodes',
    may: ['packages/flow'],
    why: 'nodes are defined against the flow contract only',
  },
  {
    workspace: 'packages/db',
    may: [],
    why: 'the schema and client stand alone; the engine brings them together',
  },
  {
    workspace: 'packages/engine',
    may: ['packages/flow', 'packages/nodes', 'packages/db'],
    why: 'the engine runs flows of nodes and records them in db',
  },
  {
    workspace: 'apps/api',
    may: ['packages/engine', 'packages/nodes', 'packages/flow', 'packages/db'],
    why: 'the API is a shell over the engine',
  },
  {
    workspace: 'apps/editor',
    may: ['packages/flow'],
    why: 'the editor talks to the API over HTTP and never bundles server code (flow: types and labels only, see editor-flow-types-only)',
  },
  {
    workspace: 'apps/cli',
    may: ['packages/flow', 'packages/nodes'],
    why: 'the CLI talks to the API over HTTP; it validates flow files with flow against the node catalogue the API uses',
  },
  { workspace: 'bench', may: ['packages/engine', 'packages/db'], why: 'the bench drives the engine and db' },
];

/**
 * The engine's stage folders under packages/engine/src, bottom to top: a folder imports only folders on
 * earlier lines, never one on its own line. Above the last line sit the root files (engine.ts, index.ts) and
 * testing/. Adding a stage is adding it here.
 */
const engineStages = [
  ['core'], // shared leaves: context, settings, errors, logger, metrics, compiled flow, keyring
  ['credentials', 'variables', 'sending'],
  ['flows'],
  ['history', 'profiles'],
  ['plan'],
  ['waits'],
  ['runs'],
  ['steps'],
  ['ingest'],
  ['tracking', 'control', 'schedules', 'consumers', 'recovery', 'access', 'retention'],
  ['backfill'], // replays stored events the way live ingest and tracking accept them
];
const engineRootFiles = ['engine.ts', 'index.ts'];

const root = __dirname;
const workspaceDirs = ['packages', 'apps'].flatMap((parent) =>
  readdirSync(join(root, parent), { withFileTypes: true })
    .filter((entry) => entry.isDirectory() && existsSync(join(root, parent, entry.name, 'package.json')))
    .map((entry) => `${parent}/${entry.name}`),
);
const unlisted = workspaceDirs.filter((dir) => !layers.some((layer) => layer.workspace === dir));
if (unlisted.length > 0) {
  throw new Error(
    `.dependency-cruiser.cjs: add ${unlisted.join(', ')} to \`layers\` (which packages may it import?)`,
  );
}

/**
 * The files each package's `exports` point at under the `source` condition, split into root and subpaths; the
 * `./testing` subpaths (test helpers) also on their own.
 */
function exportTargets() {
  const main = [];
  const subpaths = [];
  const testing = [];
  for (const dir of workspaceDirs) {
    const manifest = JSON.parse(readFileSync(join(root, dir, 'package.json'), 'utf8'));
    for (const [subpath, target] of Object.entries(manifest.exports ?? {})) {
      const file = typeof target === 'string' ? target : (target.source ?? target.default);
      if (typeof file !== 'string') continue;
      (subpath === '.' ? main : subpaths).push(posix.join(dir, file));
      if (subpath === './testing') testing.push(posix.join(dir, file));
    }
  }
  return { main, subpaths, testing };
}
const exportsOf = exportTargets();

const escapeRegExp = (text) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
const under = (dirs) => `^(${dirs.map(escapeRegExp).join('|')})/`;
const workspaceCode = '^(packages|apps)/[^/]+/|^bench/';
const engineSrc = 'packages/engine/src';

const layerRules = layers.map(({ workspace, may, why }) => ({
  name: `layer-${workspace.split('/').pop()}`,
  severity: 'error',
  comment: `${workspace} may import ${may.length > 0 ? may.join(', ') : 'no workspace package'}: ${why}.`,
  from: { path: under([workspace]) },
  to: { path: '^packages/', pathNot: under([workspace, ...may]) },
}));

const engineStageRules = engineStages.map((level, index) => {
  const below = engineStages.slice(0, index).flat();
  return {
    name: 'engine-stage-order',
    severity: 'error',
    comment:
      `The engine's stages import one way down the pipeline: ${level.join(', ')} may import ` +
      `${below.length > 0 ? below.join(', ') : 'nothing else of the engine'} (and itself), ` +
      'never a later stage, a stage on its own level, or the root files. See engineStages in this file.',
    from: { path: `^${engineSrc}/(${level.join('|')})/`, pathNot: testFile },
    to: {
      path: `^${engineSrc}/`,
      pathNot: [`^${engineSrc}/$1/`, ...(below.length > 0 ? [`^${engineSrc}/(${below.join('|')})/`] : [])],
    },
  };
});

const engineFolders = [...engineStages.flat(), 'testing'];

module.exports = {
  forbidden: [
    {
      name: 'no-circular',
      severity: 'error',
      comment:
        'No import cycles anywhere. Type-only imports count too: a cycle held shut by types still ties the ' +
        'modules together, and turns into a runtime cycle as soon as one of them imports a value.',
      from: {},
      to: { circular: true },
    },
    ...layerRules,
    {
      name: 'not-to-apps',
      severity: 'error',
      comment:
        'Apps and the bench are entry points: nothing builds on them, and one app never imports another.',
      from: { path: '^((?:packages|apps)/[^/]+|bench)/', pathNot: testCode },
      to: { path: '^(apps/[^/]+|bench)/', pathNot: '^$1/' },
    },
    {
      name: 'tests-to-apps-through-testing',
      severity: 'error',
      comment:
        "A test may start another app to drive it (the CLI's tests run the API in-process), but only through " +
        "that app's testing entry (`@tributary/api/testing`), never its code itself.",
      // test code as testCode says, with the workspace as the first group (for $1 below)
      from: {
        path:
          '^((?:packages|apps)/[^/]+|bench)(/|/.*/)' +
          '(?:[^/]+\\.(?:test|spec)\\.tsx?$|test-[^/]+\\.tsx?$|(?:test|testing|e2e)/)',
      },
      to: { path: '^(apps/[^/]+|bench)/', pathNot: ['^$1/', '^apps/[^/]+/src/testing/'] },
    },
    {
      name: 'editor-flow-types-only',
      severity: 'error',
      comment:
        'The editor may import only types from @tributary/flow (`import type`), so no flow code lands in its ' +
        'bundle; the node catalogue reaches it as JSON over HTTP. Under verbatimModuleSyntax ' +
        "`import { type X } from '@tributary/flow'` still loads the module: write `import type`. The one " +
        'exception is `@tributary/flow/labels` (dependency-free), so fields and problems are named alike.',
      from: { path: '^apps/editor/' },
      to: { path: '^packages/flow/', pathNot: '^packages/flow/src/labels\\.ts$', preCompilationOnly: false },
    },
    {
      name: 'api-builds-no-queries',
      severity: 'error',
      comment:
        'Route handlers never build queries: all SQL goes through drizzle in packages/db and the engine. ' +
        'Only the API tests may reach drizzle, postgres.js or PGlite directly.',
      from: { path: '^apps/api/', pathNot: testCode },
      to: { path: '(^|/)node_modules/(drizzle-orm|postgres|@electric-sql/pglite)/' },
    },
    {
      name: 'no-relative-cross-package',
      severity: 'error',
      comment:
        "Another workspace's files are reached through its package name (`@tributary/engine`), never by a " +
        'relative path into its folder.',
      from: { path: '^((?:packages|apps)/[^/]+|bench)/' },
      // a package name import is classified aliased-workspace (combinedDependencies reads the root workspaces)
      to: { path: workspaceCode, pathNot: '^$1/', dependencyTypesNot: ['aliased-workspace'] },
    },
    {
      name: 'only-package-exports',
      severity: 'error',
      comment:
        'Another workspace is imported only through the entry points its package.json `exports` names (e.g. ' +
        '`@tributary/engine`, `@tributary/engine/testing`), never by a deep subpath.',
      from: { path: '^((?:packages|apps)/[^/]+|bench)/' },
      to: {
        path: workspaceCode,
        pathNot: [
          '^$1/',
          ...[...exportsOf.main, ...exportsOf.subpaths].map((file) => `^${escapeRegExp(file)}$`),
        ],
      },
    },
    {
      name: 'testing-from-tests-only',
      severity: 'error',
      comment:
        'Test helpers (`@tributary/*/testing` and the like) are for tests: production code never imports them.',
      from: { pathNot: testCode },
      to: { path: exportsOf.testing.map((file) => `^${escapeRegExp(posix.dirname(file))}/`) },
    },
    {
      name: 'not-to-unresolvable',
      severity: 'error',
      comment:
        'Every import resolves to a file. A workspace subpath that its package.json `exports` does not name ' +
        '(a deep import like `@tributary/engine/src/x.js`) lands here too.',
      from: {},
      to: { couldNotResolve: true },
    },
    ...engineStageRules,
    {
      name: 'engine-stage-unknown',
      severity: 'error',
      comment:
        'Every engine file lives in a stage folder listed in engineStages (or testing/), except the root ' +
        'files engine.ts and index.ts: a new stage is one line in this file.',
      from: {},
      to: {
        path: `^${engineSrc}/`,
        pathNot: [
          `^${engineSrc}/(${engineFolders.join('|')})/`,
          `^${engineSrc}/(${engineRootFiles.map(escapeRegExp).join('|')})$`,
          `^${engineSrc}/[^/]+${testFile}`,
        ],
      },
    },
    {
      name: 'engine-folder-through-index',
      severity: 'error',
      comment:
        'An engine folder is imported through its index.ts, which names what the folder offers; the files ' +
        'inside a folder import each other freely.',
      // $1 is the importing folder, or for a root file (engine.ts) its base name, which names no folder
      from: { path: `^${engineSrc}/([^/]+?)(/|\\.ts$)`, pathNot: testFile },
      to: {
        path: `^${engineSrc}/[^/]+/`,
        pathNot: [`^${engineSrc}/$1/`, `^${engineSrc}/[^/]+/index\\.ts$`],
      },
    },
  ],
  options: {
    // what is cruised is named on the command line (npm run depcruise: packages apps bench); left out of it
    // here: what is built or generated, and the fixture trees of this config's own test
    exclude: {
      path: [
        '(^|/)dist/',
        '^bench/results/',
        '^packages/db/drizzle/',
        // generated sources (openapi-typescript writes the editor's openapi.gen.ts)
        '\\.gen\\.ts$',
        '(^|/)\\.turbo/',
        '^scripts/depcruise-fixtures/',
      ],
    },
    // npm packages are recorded (api-builds-no-queries needs them) but not walked into
    doNotFollow: { path: '(^|/)node_modules/' },
    // type-only imports are kept, and flagged pre-compilation-only when the compiler erases them
    tsPreCompilationDeps: 'specify',
    // the compiler options that decide what is erased (verbatimModuleSyntax)
    tsConfig: { fileName: join(root, 'tsconfig.base.json') },
    // workspace packages resolve through node_modules/@tributary/* and their `exports`, to their TypeScript
    // sources under the `source` condition, as in tsconfig.base.json (customConditions) and vitest.config.ts
    enhancedResolveOptions: {
      exportsFields: ['exports'],
      conditionNames: ['source', 'types', 'import', 'module', 'node', 'default'],
      mainFields: ['module', 'main', 'types'],
      extensions: ['.ts', '.tsx', '.d.ts', '.js', '.mjs', '.cjs', '.json'],
    },
    // the root package.json's `workspaces` tells a workspace package from a relative path
    combinedDependencies: true,
    skipAnalysisNotInRules: true,
  },
};
