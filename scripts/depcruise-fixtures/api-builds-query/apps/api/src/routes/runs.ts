import { sql } from 'drizzle-orm';

export const countRuns = sql`select count(*) from runs`;
