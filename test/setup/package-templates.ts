import 'vitest';
import type { TestProject } from 'vitest/node';
import { type CfnTemplate, packageTemplate } from '../support/template';

declare module 'vitest' {
  export interface ProvidedContext {
    templates: Record<'dev' | 'prod', CfnTemplate>;
  }
}

/** Packages each stage once for every template test (one at a time: serverless-esbuild shares a build folder). */
export default async function setup(project: TestProject) {
  const dev = await packageTemplate('dev');
  const prod = await packageTemplate('prod');
  project.provide('templates', { dev, prod });
}
