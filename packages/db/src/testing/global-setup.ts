// vitest global setup: migrates one template database per migration set, cloned by each test.
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import postgres from 'postgres';
import { migrationsFolder, openDb } from '../client.js';

export const DEFAULT_TEST_DATABASE_URL = 'postgres://postgres@127.0.0.1:5432/test';

function migrationsHash(): string {
  const hash = createHash('sha256');
  for (const file of readdirSync(migrationsFolder).sort()) {
    if (file.endsWith('.sql')) hash.update(readFileSync(join(migrationsFolder, file)));
  }
  return hash.digest('hex').slice(0, 12);
}

export default async function setup(project: { provide: (key: 'templateDatabase', value: string) => void }) {
  const baseUrl = process.env.TEST_DATABASE_URL ?? DEFAULT_TEST_DATABASE_URL;
  const template = `tributary_tpl_${migrationsHash()}`;
  const admin = postgres(baseUrl, { max: 1, onnotice: () => {} });
  try {
    const found = await admin`select 1 from pg_database where datname = ${template}`;
    if (found.length === 0) {
      const building = `${template}_build_${process.pid}`;
      await admin.unsafe(`drop database if exists "${building}"`);
      await admin.unsafe(`create database "${building}"`);
      const url = new URL(baseUrl);
      url.pathname = `/${building}`;
      const handle = await openDb({ url: url.toString(), maxConnections: 1 });
      await handle.migrate();
      await handle.close();
      try {
        await admin.unsafe(`alter database "${building}" rename to "${template}"`);
      } catch {
        // another run renamed its own copy first; ours is not needed
        await admin.unsafe(`drop database if exists "${building}"`);
      }
    }
  } finally {
    await admin.end();
  }
  project.provide('templateDatabase', template);
}

declare module 'vitest' {
  export interface ProvidedContext {
    templateDatabase: string;
  }
}
