// One vitest run over every package; workspace packages resolve to their TypeScript sources.
import { defineConfig } from 'vitest/config';

const conditions = ['source', 'module', 'node', 'import', 'default'];
const serverConditions = conditions.filter((c) => c !== 'module');

export default defineConfig({
  resolve: { conditions },
  // without `module` on the server side, whose conditions vitest also hands to Node for what Node loads itself:
  // under it OpenTelemetry's API (which vitest and prom-client load once it is installed) names an ESM build
  // whose extensionless imports Node cannot resolve
  ssr: { resolve: { conditions: serverConditions, externalConditions: serverConditions } },
  test: {
    include: [
      'packages/*/src/**/*.test.ts',
      'apps/*/src/**/*.test.ts',
      'apps/*/test/**/*.test.ts',
      // not scripts/**: the dependency-cruiser fixtures below scripts/ hold test files of their own
      'scripts/*.test.ts',
    ],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    pool: 'forks',
    globalSetup: ['packages/db/src/testing/global-setup.ts'],
  },
});
