// Bundles the CLI and everything it imports (the workspace's @tributary/flow and @tributary/nodes included)
// into one file, dist/tributary.mjs, so the packed package installs on its own with no dependencies:
// `npm pack -w @tributary/cli`, then `npm install -g ./tributary-cli-<version>.tgz` anywhere.
import { build } from 'esbuild';

await build({
  entryPoints: [new URL('../src/main.ts', import.meta.url).pathname],
  outfile: new URL('../dist/tributary.mjs', import.meta.url).pathname,
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  // the workspace packages' TypeScript sources, as everywhere in the repository
  conditions: ['source'],
  // bundled CommonJS modules call require() for Node's built-ins
  banner: {
    js: "import { createRequire as createRequireOf } from 'node:module'; const require = createRequireOf(import.meta.url);",
  },
  legalComments: 'linked',
  logLevel: 'warning',
});
