import 'vitest';
import type { TestProject } from 'vitest/node';
import { type CfnTemplate, packageTemplate } from '../support/template';

declare module 'vitest' {
  export interface ProvidedContext {
    templates: Record<'dev' | 'prod' | 'byo', CfnTemplate>;
  }
}

/** Packages each stage once for every template test (one at a time: serverless-esbuild shares a build folder). */
export default async function setup(project: TestProject) {
  const dev = await packageTemplate('dev');
  const prod = await packageTemplate('prod');
  // Bring your own broker: no EC2 host, no VPC; the functions and the mapping use the given network.
  const byo = await packageTemplate('dev', {
    kafkaBootstrapServers: '10.9.0.10:9092,10.9.1.10:9092',
    kafkaSubnetIds: 'subnet-0aaa1111bbbb2222c,subnet-0ccc3333dddd4444e',
    kafkaSecurityGroupId: 'sg-0fff5555aaaa6666b',
  });
  project.provide('templates', { dev, prod, byo });
}
