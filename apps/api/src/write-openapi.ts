// CLI: prints the management API's OpenAPI document as JSON, or writes it to the file given; needs no database
// or Redis. The editor generates its API types from it (`npm run generate -w @tributary/editor`).
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { openApiDocument } from './openapi-document.js';

const text = `${JSON.stringify(openApiDocument(), null, 2)}\n`;
const target = process.argv[2];
if (target) {
  const path = resolve(target);
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, text);
} else {
  process.stdout.write(text);
}
