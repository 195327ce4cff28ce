import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['tests/**/*.test.ts'],
    // Database suites share MariaDB's `test` server; each uses its own schema, but files run one at a time
    // to keep the 2-core CI machine from timing out under parallel native builds of models.
    fileParallelism: true,
    maxWorkers: 2,
    testTimeout: 30_000,
    hookTimeout: 60_000,
    sequence: { seed: 123456 },
  },
});
