// Placeholder editor build: writes dist/index.html, which the API serves until the React Flow editor lands.
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const dist = fileURLToPath(new URL('../dist', import.meta.url));
const page = join(dist, 'index.html');

const html = `<!doctype html>
<html lang="en">
  <head>
    <meta charset="utf-8">
    <meta name="viewport" content="width=device-width, initial-scale=1">
    <title>Tributary</title>
    <style>
      :root { color-scheme: light dark; font-family: system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; }
      body { margin: 0; min-height: 100vh; display: grid; place-items: center; background: Canvas; color: CanvasText; }
      main { max-width: 34rem; padding: 2rem; line-height: 1.55; }
      h1 { margin: 0 0 0.25rem; font-size: 2rem; letter-spacing: -0.02em; }
      .tagline { margin: 0 0 1.5rem; opacity: 0.75; }
      ul { padding-left: 1.2rem; }
      li { margin: 0.35rem 0; }
      a { color: #2563eb; }
      code { font-family: ui-monospace, SFMono-Regular, Menlo, monospace; font-size: 0.9em; }
    </style>
  </head>
  <body>
    <main>
      <h1>Tributary</h1>
      <p class="tagline">Self-hostable, event-driven workflow automation.</p>
      <p>The visual flow editor is coming. Until then, flows are deployed as JSON files through the REST API or
        the <code>tributary</code> CLI.</p>
      <ul>
        <li><a href="/docs">API documentation</a></li>
        <li><a href="/api/v1/node-types">Node catalogue</a> (<code>GET /api/v1/node-types</code>)</li>
      </ul>
    </main>
  </body>
</html>
`;

rmSync(dist, { recursive: true, force: true });
mkdirSync(dist, { recursive: true });
writeFileSync(page, html);
process.stdout.write(`editor: wrote ${page} (placeholder)\n`);
