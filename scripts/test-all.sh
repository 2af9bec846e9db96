#!/usr/bin/env bash
# What `npm test` runs: lint + type check, vitest on real Postgres, the engine and API suites again on
# PGlite, and the editor's Playwright tests once they exist. Ends with one line, "N passed, N failed, N skipped",
# summed over every suite, and exits non-zero when anything failed (a failed lint counts as one failure). The
# summary names each failing test first, so the tail of a CI log says which one failed.
set -uo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.." || exit 1

export TEST_DATABASE_URL="${TEST_DATABASE_URL:-postgres://postgres@127.0.0.1:5432/test}"
export REDIS_URL="${REDIS_URL:-redis://127.0.0.1:6379}"
export PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1

# Upper bounds in seconds per suite (65 min in all), so a hung process cannot eat CI's 90 minutes; override
# from the environment.
LINT_TIMEOUT="${LINT_TIMEOUT:-600}"
VITEST_TIMEOUT="${VITEST_TIMEOUT:-1500}"
PGLITE_TIMEOUT="${PGLITE_TIMEOUT:-900}"
E2E_TIMEOUT="${E2E_TIMEOUT:-900}"

tmp="$(mktemp -d "${TMPDIR:-/tmp}/tributary-test.XXXXXX")"
trap 'rm -rf "$tmp"' EXIT

passed=0
failed=0
skipped=0
report=()

section() { printf '\n===== %s =====\n' "$*"; }

# Adds one suite's counts to the totals. A report that is missing or unreadable, or a runner that exited
# non-zero while its report shows no failure (crash, timeout, unhandled error), counts as one failure.
# usage: tally NAME vitest|playwright REPORT.json EXIT_CODE
tally() {
  local name="$1" kind="$2" file="$3" rc="$4" p f s
  read -r p f s < <(node -e '
    const fs = require("node:fs");
    const [kind, file, rc, name, failures, root] = process.argv.slice(1);
    const names = [];
    let p = 0, f = 0, s = 0;
    try {
      const r = JSON.parse(fs.readFileSync(file, "utf8"));
      if (kind === "vitest") {
        for (const t of r.testResults ?? []) {
          for (const a of t.assertionResults ?? []) {
            if (a.status === "failed") names.push(`${t.name.replace(root, "")} > ${a.fullName}`);
          }
          if (t.status === "failed" && !(t.assertionResults ?? []).some((a) => a.status === "failed")) {
            names.push(`${t.name.replace(root, "")} (the file failed: ${String(t.message ?? "").split("\n")[0]})`);
          }
        }
        p = r.numPassedTests;
        f = r.numFailedTests;
        s = r.numPendingTests + r.numTodoTests;
        // a file that failed to load or whose hooks threw has no failed test of its own: count it once
        for (const t of r.testResults ?? []) {
          if (t.status === "failed" && !(t.assertionResults ?? []).some((a) => a.status === "failed")) f++;
        }
      } else {
        p = r.stats.expected + r.stats.flaky;
        f = r.stats.unexpected + (r.errors?.length ?? 0);
        s = r.stats.skipped;
        const walk = (suite, file) => {
          for (const spec of suite.specs ?? []) {
            for (const t of spec.tests ?? []) {
              if (t.status === "unexpected") names.push(`${spec.file ?? file} > ${spec.title}`);
            }
          }
          for (const child of suite.suites ?? []) walk(child, suite.file ?? file);
        };
        for (const suite of r.suites ?? []) walk(suite, suite.file);
      }
    } catch {
      // no report: the runner died before writing one; the exit code below decides
    }
    if (Number(rc) !== 0 && f === 0) f = 1;
    if (names.length > 0) fs.appendFileSync(failures, names.map((n) => `  ${name}: ${n}\n`).join(""));
    console.log(p, f, s);
  ' "$kind" "$file" "$rc" "$name" "$tmp/failures.txt" "$PWD/")
  p="${p:-0}" f="${f:-1}" s="${s:-0}"
  passed=$((passed + p))
  failed=$((failed + f))
  skipped=$((skipped + s))
  report+=("$(printf '  %-22s %5d ok  %4d failing  %4d skipped  (exit %s)' "$name" "$p" "$f" "$s" "$rc")")
}

section "lint: biome + import rules (depcruise) + tsc -b"
timeout -k 30 "$LINT_TIMEOUT" npm run lint
rc=$?
if [ "$rc" -ne 0 ]; then
  failed=$((failed + 1))
  report+=("$(printf '  %-22s FAILED (exit %s)' lint "$rc")")
else
  report+=("$(printf '  %-22s ok' lint)")
fi

section "vitest: every package on PostgreSQL ($TEST_DATABASE_URL)"
timeout -k 30 "$VITEST_TIMEOUT" npx --no-install vitest run \
  --reporter=default --reporter=json --outputFile.json="$tmp/vitest-postgres.json"
tally "vitest (postgres)" vitest "$tmp/vitest-postgres.json" $?

section "vitest: engine + API on PGlite (TEST_DB=pglite)"
pglite_dirs=()
for dir in packages/engine/src apps/api/src; do
  if [ -n "$(find "$dir" -name '*.test.ts' -print -quit 2>/dev/null)" ]; then pglite_dirs+=("$dir/"); fi
done
if [ "${#pglite_dirs[@]}" -eq 0 ]; then
  echo "no test files under packages/engine/src or apps/api/src yet: skipped"
else
  TEST_DB=pglite timeout -k 30 "$PGLITE_TIMEOUT" npx --no-install vitest run \
    --reporter=default --reporter=json --outputFile.json="$tmp/vitest-pglite.json" "${pglite_dirs[@]}"
  tally "vitest (pglite)" vitest "$tmp/vitest-pglite.json" $?
fi

if [ -f apps/editor/playwright.config.ts ]; then
  section "playwright: apps/editor"
  PLAYWRIGHT_JSON_OUTPUT_FILE="$tmp/playwright.json" PLAYWRIGHT_JSON_OUTPUT_NAME="$tmp/playwright.json" \
    timeout -k 30 "$E2E_TIMEOUT" npx --no-install playwright test -c apps/editor/playwright.config.ts \
    --reporter=list,json
  tally "playwright (editor)" playwright "$tmp/playwright.json" $?
fi

section "summary"
if [ -s "$tmp/failures.txt" ]; then
  echo "failing tests:"
  cat "$tmp/failures.txt"
fi
printf '%s\n' "${report[@]}"
echo "$passed passed, $failed failed, $skipped skipped"
[ "$failed" -eq 0 ]
