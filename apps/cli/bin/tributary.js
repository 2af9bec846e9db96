#!/usr/bin/env node
// The `tributary` command. Installed from a package it runs the bundle (dist/tributary.mjs, one file with
// every dependency inside: scripts/bundle.mjs); inside the repository, where
// the TypeScript sources sit beside it, it runs them through tsx with the workspace's `source` condition,
// so `npx tributary` works after `npm install` without a build and never runs a stale one.
import { existsSync } from 'node:fs';
import { register } from 'node:module';

const source = new URL('../src/main.ts', import.meta.url);
let main;
if (existsSync(source)) {
  const { register: registerTsx } = await import('tsx/esm/api');
  const conditions =
    'export async function resolve(specifier, context, next) {' +
    " return next(specifier, { ...context, conditions: ['source', ...context.conditions] }); }";
  register(`data:text/javascript,${encodeURIComponent(conditions)}`);
  registerTsx();
  main = await import(source.href);
} else {
  main = await import(new URL('../dist/tributary.mjs', import.meta.url).href);
}
process.exitCode = await main.run(process.argv.slice(2));
