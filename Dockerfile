# syntax=docker/dockerfile:1
# Tributary image: one build for every mode (TRIBUTARY_MODE=all|api|worker), run as the unprivileged node user.

FROM node:20-bookworm-slim AS build
WORKDIR /app
ENV PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 \
    NPM_CONFIG_UPDATE_NOTIFIER=false
# Manifests first, so dependencies stay cached while only sources change. A new workspace needs its line here.
COPY package.json package-lock.json ./
COPY packages/flow/package.json packages/flow/
COPY packages/nodes/package.json packages/nodes/
COPY packages/db/package.json packages/db/
COPY packages/engine/package.json packages/engine/
COPY apps/api/package.json apps/api/
COPY apps/cli/package.json apps/cli/
COPY apps/editor/package.json apps/editor/
COPY bench/package.json bench/
# npm 11.16+ rejects a lock made where some optional platform packages were unavailable (npm/cli#9846);
# then install from the same lock with npm install, as .ci/run does.
RUN npm ci --no-audit --no-fund \
 || { echo "npm ci refused the lock: npm install from it instead"; npm install --no-audit --no-fund; }
COPY . .
RUN npm run build \
 && npm prune --omit=dev --no-audit --no-fund
# Keep only what runs: production node_modules and each workspace's manifest, dist and migrations.
RUN mkdir /out \
 && cp -a package.json node_modules /out/ \
 && for ws in packages/* apps/*; do \
      mkdir -p "/out/$ws"; \
      for part in package.json dist drizzle node_modules; do \
        if [ -e "$ws/$part" ]; then cp -a "$ws/$part" "/out/$ws/"; fi; \
      done; \
    done

FROM node:20-bookworm-slim AS runtime
ENV NODE_ENV=production \
    NPM_CONFIG_UPDATE_NOTIFIER=false
WORKDIR /app
# Code stays root-owned (read-only to the app); only .tributary/ (embedded PGlite when no DATABASE_URL) is writable.
COPY --from=build /out/ /app/
RUN mkdir -p /app/.tributary && chown node:node /app/.tributary
USER node
EXPOSE 3000
HEALTHCHECK --interval=30s --timeout=5s --start-period=30s --retries=3 \
  CMD ["node", "-e", "fetch(`http://127.0.0.1:${process.env.PORT || 3000}/healthz`).then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]
CMD ["node", "apps/api/dist/main.js"]
