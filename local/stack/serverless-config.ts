import { execFile } from 'node:child_process';
import { resolve } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);
const PROJECT_ROOT = resolve(__dirname, '..', '..');

/** The parts of the resolved serverless config the local stack reads. */
export interface ServerlessFunctionConfig {
  handler: string;
  name?: string;
  timeout?: number;
  memorySize?: number;
  environment?: Record<string, unknown>;
  events?: Record<string, unknown>[];
}

export interface ResolvedServerlessConfig {
  service: string;
  provider: { stage: string; environment?: Record<string, unknown>; timeout?: number; memorySize?: number };
  functions: Record<string, ServerlessFunctionConfig>;
}

/**
 * serverless.yml with every variable resolved for a stage, exactly as `sls deploy` would see it, so the local
 * stack runs the same schedules, inputs and environment as the deployed one.
 */
export async function resolveServerlessConfig(stage: string): Promise<ResolvedServerlessConfig> {
  const sls = resolve(PROJECT_ROOT, 'node_modules', '.bin', 'sls');
  const { stdout } = await run(sls, ['print', '--stage', stage, '--format', 'json'], {
    cwd: PROJECT_ROOT,
    maxBuffer: 16 * 1024 * 1024,
  });
  return JSON.parse(stdout.slice(stdout.indexOf('{'))) as ResolvedServerlessConfig;
}
