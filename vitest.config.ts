import { defineConfig } from 'vitest/config';

export default defineConfig({
  resolve: {
    // src/ir/mathjs-bundle.cts requires mathjs's single-file build from CommonJS (for Node's start-up time);
    // Vite does not run .cts files, so tests import that build directly.
    alias: [{ find: /^\.\/mathjs-bundle\.cjs$/, replacement: 'mathjs/lib/browser/math.js' }],
  },
  test: {
    include: ['test/**/*.test.ts'],
    setupFiles: ['test/setup/generated-code.ts'],
    testTimeout: 60_000,
  },
});
