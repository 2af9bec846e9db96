import { openDb, schema } from '@tributary/db';
import { createEngine, createFlow, createLogger, ingest, publishFlow } from '@tributary/engine';
import { sql } from 'drizzle-orm';
import postgres from 'postgres';

const admin = postgres('postgres://postgres@127.0.0.1:5432/test', { max: 1, onnotice: () => {} });
await admin.unsafe('drop database if exists prof_db');
await admin.unsafe('create database prof_db');
await admin.end();
const db = await openDb({ url: 'postgres://postgres@127.0.0.1:5432/prof_db', maxConnections: 20 });
await db.migrate();
const engine = createEngine({
  db,
  redisUrl: 'redis://127.0.0.1:6379',
  queuePrefix: 'prof' + Date.now(),
  logger: createLogger({ level: 'silent' }),
  defaultMetrics: false,
});
const flow = await createFlow(
  db.db,
  {
    name: 'B',
    slug: 'b',
    nodes: [
      { id: 'start', type: 'trigger.manual', name: 'Start', config: {} },
      { id: 's1', type: 'logic.set', name: 'S1', config: { fields: { a: '{{ $json.n * 2 }}' } } },
      { id: 'if', type: 'logic.if', name: 'If', config: { condition: '{{ $json.a > 5 }}' } },
      { id: 's2', type: 'logic.set', name: 'S2', config: { fields: { b: 'x' } } },
    ],
    edges: [
      { id: 'e1', source: 'start', target: 's1' },
      { id: 'e2', source: 's1', target: 'if' },
      { id: 'e3', source: 'if', sourceHandle: 'true', target: 's2' },
    ],
  },
  'x',
);
const { version } = await publishFlow(db.db, flow.id, 'x');
const mode = process.argv[2] ?? 'ingest';
const N = 1000;
const t0 = performance.now();
for (let i = 0; i < N; i += 50) {
  await Promise.all(
    Array.from({ length: 50 }, (_, j) =>
      ingest(engine.ctx, {
        source: 'b',
        type: 'b',
        payload: { n: i + j },
        targets: [{ flowId: flow.id, version, item: { n: i + j } }],
      }),
    ),
  );
}
const t1 = performance.now();
console.log(`ingest: ${Math.round(N / ((t1 - t0) / 1000))}/s`);
if (mode === 'worker') {
  engine.startWorker({ concurrency: 50 });
  for (;;) {
    const [r] = await db.db
      .select({ n: sql<number>`count(*) filter (where status='succeeded')`.mapWith(Number) })
      .from(schema.runs);
    if ((r?.n ?? 0) >= N) break;
    await new Promise((r) => setTimeout(r, 100));
  }
  const t2 = performance.now();
  console.log(`runs: ${Math.round(N / ((t2 - t1) / 1000))}/s`);
}
await engine.close();
await db.close();
process.exit(0);
