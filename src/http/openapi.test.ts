import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { Validator } from '@seriousme/openapi-schema-validator';
import { createTestApp, type TestApp } from '../../test/support/app.ts';

let t: TestApp;
before(async () => {
  t = await createTestApp({ devMailbox: true });
});
after(() => t.close());

const openApiPath = (url: string) => url.replace(/:([A-Za-z]+)/g, '{$1}');

test('the OpenAPI document validates against the OpenAPI 3 schema', async () => {
  const response = await t.app.inject({ method: 'GET', url: '/api/openapi.json' });
  assert.equal(response.statusCode, 200);
  const result = await new Validator().validate(response.json());
  assert.equal(result.valid, true, JSON.stringify(result.errors, null, 2)?.slice(0, 2000));
});

test('every API route is in the document, with its method, and nothing else is', async () => {
  const doc = (await t.app.inject({ method: 'GET', url: '/api/openapi.json' })).json() as {
    paths: Record<string, Record<string, unknown>>;
  };
  const apiRoutes = t.app.heraldRoutes.filter((r) => r.url.startsWith('/api/v1/'));
  assert.ok(apiRoutes.length > 20);
  for (const route of apiRoutes) {
    assert.ok(doc.paths[openApiPath(route.url)]?.[route.method.toLowerCase()], `${route.method} ${route.url} is missing`);
  }
  const documented = Object.entries(doc.paths).flatMap(([path, methods]) =>
    Object.keys(methods).map((m) => `${m.toUpperCase()} ${path}`),
  );
  assert.equal(documented.length, apiRoutes.length);
});

test('the docs page lists every operation, without a session', async () => {
  const page = await t.app.inject({ method: 'GET', url: '/api/docs' });
  assert.equal(page.statusCode, 200);
  for (const route of t.app.heraldRoutes.filter((r) => r.url.startsWith('/api/v1/'))) {
    assert.ok(page.body.includes(`${route.method} ${route.url}`), `${route.method} ${route.url}`);
  }
});
