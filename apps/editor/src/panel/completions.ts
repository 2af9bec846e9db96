// Expression completion: the paths of `$json`, `$event`, `$steps.<name>` and `$run` that a test run has shown,
// and the instance's `$vars`.

export interface Completion {
  path: string;
  detail: string;
}

/** What expressions see, as far as the editor knows it (the engine builds the same shape at run time). */
export interface CompletionScope {
  json?: unknown;
  event?: unknown;
  steps?: Record<string, unknown>;
  run?: unknown;
  /** The instance's variables by name. */
  vars?: Record<string, string>;
}

const MAX_DEPTH = 5;
const MAX_KEYS = 40;
const MAX_COMPLETIONS = 400;
const PLAIN = /^[A-Za-z_][A-Za-z0-9_]*$/;

function accessor(key: string): string {
  return PLAIN.test(key) ? `.${key}` : `.\`${key}\``;
}

function summarize(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return `list of ${value.length}`;
  if (typeof value === 'object') return `object, ${Object.keys(value).length} fields`;
  if (typeof value === 'string') return JSON.stringify(value.length > 32 ? `${value.slice(0, 32)}…` : value);
  return String(value);
}

function walk(value: unknown, path: string, depth: number, out: Completion[]): void {
  if (out.length >= MAX_COMPLETIONS) return;
  out.push({ path, detail: summarize(value) });
  if (depth >= MAX_DEPTH || value === null || typeof value !== 'object') return;
  if (Array.isArray(value)) {
    if (value.length > 0) walk(value[0], `${path}[0]`, depth + 1, out);
    return;
  }
  for (const [key, child] of Object.entries(value).slice(0, MAX_KEYS)) {
    walk(child, `${path}${accessor(key)}`, depth + 1, out);
  }
}

const ROOTS: Completion[] = [
  { path: '$json', detail: "this step's input item" },
  { path: '$event', detail: 'the event that started the run' },
  { path: '$event.payload', detail: 'what the event carried' },
  { path: '$steps', detail: 'earlier steps by name' },
  { path: '$run', detail: 'id, flowId, version, eventId' },
  { path: '$vars', detail: "the instance's variables" },
];

/** Every completion the scope offers, the generic roots first. */
export function completionsOf(scope: CompletionScope): Completion[] {
  const out: Completion[] = [];
  if (scope.json !== undefined) walk(scope.json, '$json', 0, out);
  if (scope.event !== undefined) walk(scope.event, '$event', 0, out);
  if (scope.steps) {
    for (const [name, value] of Object.entries(scope.steps)) walk(value, `$steps${accessor(name)}`, 0, out);
  }
  if (scope.run !== undefined) walk(scope.run, '$run', 0, out);
  if (scope.vars) walk(scope.vars, '$vars', 0, out);
  const seen = new Set(out.map((c) => c.path));
  return [...ROOTS.filter((r) => !seen.has(r.path)), ...out];
}

/** The completions that continue `prefix`, best first. */
export function filterCompletions(all: readonly Completion[], prefix: string, limit = 12): Completion[] {
  const lower = prefix.toLowerCase();
  const starts = all.filter((c) => c.path.toLowerCase().startsWith(lower) && c.path !== prefix);
  // shorter paths first: the next level before the deep ones
  return starts.sort((a, b) => a.path.length - b.path.length).slice(0, limit);
}
