import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    projects: [
      {
        test: {
          name: 'unit',
          include: ['test/unit/**/*.test.ts'],
          setupFiles: ['test/setup/sdk-matchers.ts'],
          environment: 'node',
        },
      },
      {
        // Runs `sls package` offline; no network, but slower than unit tests.
        test: {
          name: 'template',
          include: ['test/template/**/*.test.ts'],
          globalSetup: ['test/setup/package-templates.ts'],
          testTimeout: 120_000,
          hookTimeout: 120_000,
        },
      },
      {
        test: {
          name: 'integration',
          include: ['test/integration/**/*.test.ts'],
          globalSetup: ['test/setup/kafka-broker.ts'],
          setupFiles: ['test/setup/sdk-matchers.ts'],
          testTimeout: 120_000,
          hookTimeout: 120_000,
          // One broker serves every file; files run one at a time so consumer groups and timings stay independent.
          fileParallelism: false,
        },
      },
    ],
  },
});
