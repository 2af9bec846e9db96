// Vite config: builds the editor into dist/ (served by apps/api at /), and proxies the API in development.
import react from '@vitejs/plugin-react';
import { defineConfig } from 'vite';

const api = process.env.TRIBUTARY_API_URL ?? 'http://localhost:3000';

export default defineConfig({
  plugins: [react()],
  // workspace packages (@tributary/flow/labels) from their TypeScript sources, like the tests and the server
  resolve: { conditions: ['source', 'module', 'browser', 'development|production'] },
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    sourcemap: true,
    chunkSizeWarningLimit: 1500,
  },
  server: {
    port: 5173,
    proxy: {
      '/api': { target: api, changeOrigin: true },
      '/hooks': { target: api, changeOrigin: true },
    },
  },
});
