import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { TEST_TEMPLATES_VARIABLE } from './env';

const run = promisify(execFile);
const ROOT = resolve(__dirname, '..', '..');

export interface CfnResource {
  Type: string;
  /** Always present: resources without properties get an empty object. */
  Properties: Record<string, unknown>;
  [key: string]: unknown;
}
export interface CfnTemplate {
  Resources: Record<string, CfnResource>;
  Outputs?: Record<string, unknown>;
  Conditions?: Record<string, unknown>;
}

/** This process's environment without AWS credentials or overrides: packaging must work with no AWS access. */
function packagingEnvironment(): NodeJS.ProcessEnv {
  const env = { ...process.env };
  for (const name of [
    'AWS_ACCESS_KEY_ID',
    'AWS_SECRET_ACCESS_KEY',
    'AWS_SESSION_TOKEN',
    'AWS_PROFILE',
    'KAFKA_BROKERS',
  ]) {
    delete env[name];
  }
  return env;
}

/** Runs `sls package` offline for a stage into a scratch folder and returns the CloudFormation template. */
export async function packageTemplate(
  stage: string,
  params: Record<string, string> = {},
): Promise<CfnTemplate> {
  const out = mkdtempSync(join(tmpdir(), `tickstream-package-${stage}-`));
  try {
    const paramArgs = Object.entries(params).map(([name, value]) => `--param=${name}=${value}`);
    await run(
      join(ROOT, 'node_modules', '.bin', 'sls'),
      ['package', '--stage', stage, '--package', out, ...paramArgs],
      {
        cwd: ROOT,
        env: packagingEnvironment(),
        maxBuffer: 32 * 1024 * 1024,
      },
    );
    const template = JSON.parse(
      readFileSync(join(out, 'cloudformation-template-update-stack.json'), 'utf8'),
    ) as CfnTemplate;
    for (const resource of Object.values(template.Resources)) resource.Properties ??= {};
    return template;
  } finally {
    rmSync(out, { recursive: true, force: true });
  }
}

/**
 * Evaluates the template's Conditions (Fn::Equals/And/Or/Not/Condition over the literal values serverless
 * renders) and drops the resources whose condition is false: what CloudFormation would create.
 */
export function createdResources(template: CfnTemplate): CfnTemplate {
  const conditions = template.Conditions ?? {};
  const evaluate = (expression: unknown): boolean => {
    const [fn, args] = Object.entries(expression as Record<string, unknown>)[0] ?? [];
    if (fn === 'Condition') return evaluate(conditions[args as string]);
    const list = args as unknown[];
    if (fn === 'Fn::Equals') return JSON.stringify(list[0]) === JSON.stringify(list[1]);
    if (fn === 'Fn::And') return list.every(evaluate);
    if (fn === 'Fn::Or') return list.some(evaluate);
    if (fn === 'Fn::Not') return !evaluate(list[0]);
    throw new Error(`cannot evaluate condition ${JSON.stringify(expression)}`);
  };
  const resources = Object.fromEntries(
    Object.entries(template.Resources).filter(
      ([, resource]) => typeof resource.Condition !== 'string' || evaluate(conditions[resource.Condition]),
    ),
  );
  return { ...template, Resources: resources };
}

/** The resource with a logical id; fails the test when the template lacks it. */
export function resourceById(template: CfnTemplate, id: string): CfnResource {
  const resource = template.Resources[id];
  if (!resource) throw new Error(`the template has no resource ${id}`);
  return resource;
}

/** The resources of a type, by logical id. */
export function resourcesOfType(template: CfnTemplate, type: string): [string, CfnResource][] {
  return Object.entries(template.Resources).filter(([, resource]) => resource.Type === type);
}

/** One statement of an IAM policy document. */
export interface PolicyStatement {
  Sid?: string;
  Effect: string;
  Action: string | string[];
  Resource: unknown;
}

/** Every statement of a role's inline policies. */
export function roleStatements(role: CfnResource): PolicyStatement[] {
  return (
    (role.Properties.Policies as { PolicyDocument: { Statement: PolicyStatement[] } }[] | undefined) ?? []
  ).flatMap((policy) => policy.PolicyDocument.Statement);
}

/** The packaged templates the template set-up left: `dev`, `prod` and `byo` (bring your own broker). */
export function packagedTemplates(): Record<'dev' | 'prod' | 'byo', CfnTemplate> {
  const dir = process.env[TEST_TEMPLATES_VARIABLE];
  if (!dir) throw new Error(`${TEST_TEMPLATES_VARIABLE} is not set: run template tests through jest`);
  const read = (name: string) => JSON.parse(readFileSync(join(dir, `${name}.json`), 'utf8')) as CfnTemplate;
  return { dev: read('dev'), prod: read('prod'), byo: read('byo') };
}
