// The OpenAPI document: built from the routes alone, and the very document the server serves.
import { afterAll, beforeAll, expect, inject, test } from 'vitest';
import { openApiDocument } from './openapi-document.js';
import { startTestApp, type TestApp } from './test-app.js';

let api: TestApp;

beforeAll(async () => {
  api = await startTestApp(inject('templateDatabase'));
});

afterAll(async () => {
  await api?.close();
});

test('is built without a database, Redis or configuration', () => {
  const doc = openApiDocument();
  expect(doc.openapi).toBe('3.1.0');
  expect(Object.keys(doc.paths ?? {})).toEqual(
    expect.arrayContaining(['/flows', '/runs', '/runs/{id}', '/dead-letters', '/node-types']),
  );
  expect(Object.keys(doc.components?.schemas ?? {})).toEqual(
    expect.arrayContaining(['Flow', 'Run', 'Step', 'DeadLetter', 'NodeType', 'Problem']),
  );
});

test('is the document the server serves at /api/v1/openapi.json', async () => {
  const served = await (await api.app.request('/api/v1/openapi.json')).json();
  expect(served).toEqual(JSON.parse(JSON.stringify(openApiDocument())));
});
