// Serves the built editor (with SPA fallback) and the API docs page; paths cannot leave their folder.
import { readFile, stat } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, extname, join, resolve, sep } from 'node:path';
import { Hono } from 'hono';

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.woff2': 'font/woff2',
  '.map': 'application/json',
};

async function fileResponse(path: string, cache: string): Promise<Response | undefined> {
  try {
    const info = await stat(path);
    if (!info.isFile()) return undefined;
    const body = await readFile(path);
    return new Response(body, {
      headers: {
        'content-type': TYPES[extname(path)] ?? 'application/octet-stream',
        'cache-control': cache,
        'x-content-type-options': 'nosniff',
      },
    });
  } catch {
    // a missing or unreadable file is simply not served
    return undefined;
  }
}

/** Serves files under `dir` at /, falling back to index.html for client-side routes. */
export function editorRoutes(dir: string) {
  const app = new Hono();
  const root = resolve(dir);
  app.get('/*', async (c, next) => {
    const path = decodeURIComponent(new URL(c.req.url).pathname);
    if (path.startsWith('/api/') || path.startsWith('/hooks/')) return next();
    const target = resolve(join(root, path));
    if (target !== root && !target.startsWith(root + sep)) return next();
    const cache = path.startsWith('/assets/') ? 'public, max-age=31536000, immutable' : 'no-cache';
    const file =
      (await fileResponse(target, cache)) ??
      (extname(path) ? undefined : await fileResponse(join(root, 'index.html'), 'no-cache'));
    return file ?? next();
  });
  return app;
}

const require = createRequire(import.meta.url);
const swaggerDir = dirname(require.resolve('swagger-ui-dist/package.json'));
const SWAGGER_FILES = new Set(['swagger-ui.css', 'swagger-ui-bundle.js', 'favicon-32x32.png']);

const DOCS_PAGE = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Tributary API</title>
<link rel="stylesheet" href="/docs/assets/swagger-ui.css">
<link rel="icon" href="/docs/assets/favicon-32x32.png">
</head>
<body>
<div id="swagger-ui"></div>
<script src="/docs/assets/swagger-ui-bundle.js"></script>
<script src="/docs/init.js"></script>
</body>
</html>`;

const DOCS_INIT = `window.ui = SwaggerUIBundle({ url: '/api/v1/openapi.json', dom_id: '#swagger-ui', deepLinking: true, persistAuthorization: true });`;

/** /docs: Swagger UI (from the swagger-ui-dist package, served locally) over /api/v1/openapi.json. */
export function docsRoutes() {
  const app = new Hono();
  app.get('/docs', (c) => c.html(DOCS_PAGE));
  app.get('/docs/init.js', (c) =>
    c.body(DOCS_INIT, 200, { 'content-type': 'text/javascript; charset=utf-8' }),
  );
  app.get('/docs/assets/:file', async (c) => {
    const file = c.req.param('file');
    if (!SWAGGER_FILES.has(file)) return c.notFound();
    return (await fileResponse(join(swaggerDir, file), 'public, max-age=86400')) ?? c.notFound();
  });
  return app;
}
