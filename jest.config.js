// @ts-check
/**
 * Jest, three projects: `unit` (no network, AWS SDK mocked), `template` (`sls package` offline, once, in a
 * global set-up) and `integration` (a real local Kafka broker started by a global set-up).
 *
 * TypeScript goes through @swc/jest. Some dependencies ship only ES modules (@middy/core, fauxqs, the d3
 * modules the dashboard draws with); they are transformed to CommonJS like our own code, and fauxqs,
 * which declares no `require` export, is mapped to its entry file.
 */

/** @type {[string, Record<string, unknown>]} */
const swc = [
  '@swc/jest',
  {
    jsc: { parser: { syntax: 'typescript' }, target: 'es2023' },
    module: { type: 'commonjs' },
  },
];

const ESM_ONLY_PACKAGES = ['@middy', 'fauxqs', 'd3-[a-z-]+', 'internmap'];

const everyFile = ['<rootDir>/test/setup/jest-each-file.ts'];
const slowFile = '<rootDir>/test/setup/slow-tests.ts';

/** @type {import('jest').Config} */
const common = {
  testEnvironment: 'node',
  transform: { '^.+\\.(ts|js|mjs)$': swc },
  transformIgnorePatterns: [`/node_modules/(?!(${ESM_ONLY_PACKAGES.join('|')})/)`],
  moduleNameMapper: { '^fauxqs$': '<rootDir>/node_modules/fauxqs/dist/app.js' },
  setupFilesAfterEnv: everyFile,
};

/** @type {import('jest').Config} */
module.exports = {
  // Two test files at a time: most integration files wait (a frozen broker, a retry's minute, a bootstrap) far
  // more than they compute, and jest's default on a 2-core machine (cores - 1) runs them one after another.
  maxWorkers: 2,
  reporters: ['<rootDir>/test/support/progress-reporter.js', '<rootDir>/test/support/summary-reporter.js'],
  projects: [
    {
      ...common,
      displayName: 'unit',
      testMatch: ['<rootDir>/test/unit/**/*.test.ts'],
    },
    {
      ...common,
      displayName: 'template',
      testMatch: ['<rootDir>/test/template/**/*.test.ts'],
      globalSetup: '<rootDir>/test/setup/package-templates.ts',
      setupFilesAfterEnv: [...everyFile, slowFile],
    },
    {
      ...common,
      displayName: 'integration',
      testMatch: ['<rootDir>/test/integration/**/*.test.ts'],
      globalSetup: '<rootDir>/test/setup/local-services.ts',
      globalTeardown: '<rootDir>/test/setup/local-services-teardown.ts',
      setupFilesAfterEnv: [...everyFile, slowFile],
    },
  ],
};
