import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { gunzipSync } from 'node:zlib';
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

/** What the packaging shell holds besides (the local broker's variables): deployed values must ignore it. */
export const DEPLOYING_SHELL = {
  KAFKA_BROKERS: '127.0.0.1:9092',
  KAFKA_SECURITY_PROTOCOL: 'PLAINTEXT',
  KAFKA_SASL_USERNAME: 'local-user',
  S3_ENDPOINT: 'http://127.0.0.1:4569',
};

/** This process's environment without AWS credentials or overrides: packaging must work with no AWS access. */
function packagingEnvironment(): NodeJS.ProcessEnv {
  const env = { ...process.env };
  // No credentials, and the default region (us-east-1): a developer's AWS_REGION must not change what is tested.
  for (const name of [
    'AWS_ACCESS_KEY_ID',
    'AWS_SECRET_ACCESS_KEY',
    'AWS_SESSION_TOKEN',
    'AWS_PROFILE',
    'AWS_REGION',
  ]) {
    delete env[name];
  }
  // A shell that still holds the local broker's variables, as docs/local-stack.md has a user export them: none
  // of it may reach a deployed function (the template tests check the functions' environment against this).
  for (const name of Object.keys(env)) if (name.startsWith('KAFKA_')) delete env[name];
  return { ...env, ...DEPLOYING_SHELL };
}

/** Runs `sls package` offline for a stage into a scratch folder and returns the CloudFormation template. */
export async function packageTemplate(
  stage: string,
  params: Record<string, string> = {},
): Promise<CfnTemplate> {
  const out = mkdtempSync(join(tmpdir(), `tickstream-package-${stage}-`));
  // serverless-esbuild leaves its per-function zip folders in the OS temp dir; give it one we remove.
  const scratchTmp = join(out, 'tmp');
  mkdirSync(scratchTmp);
  try {
    const paramArgs = Object.entries(params).map(([name, value]) => `--param=${name}=${value}`);
    await run(
      join(ROOT, 'node_modules', '.bin', 'sls'),
      ['package', '--stage', stage, '--package', out, ...paramArgs],
      {
        cwd: ROOT,
        env: { ...packagingEnvironment(), TMPDIR: scratchTmp },
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

/** Runs an sls command offline (no AWS credentials) and returns whether it succeeded and what it printed. */
export async function slsOffline(args: string[]): Promise<{ ok: boolean; output: string }> {
  try {
    const { stdout, stderr } = await run(join(ROOT, 'node_modules', '.bin', 'sls'), args, {
      cwd: ROOT,
      env: packagingEnvironment(),
      maxBuffer: 32 * 1024 * 1024,
    });
    return { ok: true, output: stdout + stderr };
  } catch (error) {
    const failed = error as { stdout?: string; stderr?: string };
    return { ok: false, output: `${failed.stdout ?? ''}${failed.stderr ?? ''}` };
  }
}

/**
 * Evaluates the template's Conditions (Fn::Equals/And/Or/Not/Condition over the literal values serverless
 * renders, and Fn::Select of their Fn::Split), drops the resources whose condition is false and picks the Fn::If branches of the rest: what
 * CloudFormation would create.
 */
export function createdResources(template: CfnTemplate): CfnTemplate {
  const conditions = template.Conditions ?? {};
  // Fn::Select over Fn::Split of a literal string (how a condition looks into a param's value).
  const literal = (value: unknown): unknown => {
    const select = (value as { 'Fn::Select'?: [number, unknown] } | null)?.['Fn::Select'];
    if (!select) return value;
    const split = (select[1] as { 'Fn::Split'?: [string, string] })['Fn::Split'];
    if (!split) throw new Error(`cannot evaluate ${JSON.stringify(value)}`);
    return split[1].split(split[0])[select[0]];
  };
  const evaluate = (expression: unknown): boolean => {
    const [fn, args] = Object.entries(expression as Record<string, unknown>)[0] ?? [];
    if (fn === 'Condition') return evaluate(conditions[args as string]);
    const list = args as unknown[];
    if (fn === 'Fn::Equals') return JSON.stringify(literal(list[0])) === JSON.stringify(literal(list[1]));
    if (fn === 'Fn::And') return list.every(evaluate);
    if (fn === 'Fn::Or') return list.some(evaluate);
    if (fn === 'Fn::Not') return !evaluate(list[0]);
    throw new Error(`cannot evaluate condition ${JSON.stringify(expression)}`);
  };
  const isNoValue = (value: unknown): boolean => (value as { Ref?: unknown } | null)?.Ref === 'AWS::NoValue';
  // Fn::If takes the branch its condition picks; AWS::NoValue leaves the list item or property out.
  const choose = (value: unknown): unknown => {
    if (Array.isArray(value)) return value.map(choose).filter((item) => !isNoValue(item));
    if (typeof value !== 'object' || value === null) return value;
    const ifArgs = (value as { 'Fn::If'?: [string, unknown, unknown] })['Fn::If'];
    if (ifArgs) return choose(evaluate(conditions[ifArgs[0]]) ? ifArgs[1] : ifArgs[2]);
    return Object.fromEntries(
      Object.entries(value)
        .map(([key, item]) => [key, choose(item)] as const)
        .filter(([, item]) => !isNoValue(item)),
    );
  };
  const resources = Object.fromEntries(
    Object.entries(template.Resources)
      .filter(
        ([, resource]) => typeof resource.Condition !== 'string' || evaluate(conditions[resource.Condition]),
      )
      .map(([id, resource]) => [id, choose(resource) as CfnResource]),
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

/** The secrets the `byo` variant brings: the SASL user and the private CA of a broker of one's own. */
export const BYO_SASL_SECRET_ARN =
  'arn:aws:secretsmanager:eu-west-1:123456789012:secret:my-kafka-user-AbCdEf';
export const BYO_CA_SECRET_ARN = 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:my-kafka-ca-GhIjKl';

/** The Alpha Vantage key's secret the `alphavantage` variant names (a user creates it; README). */
export const AV_KEY_SECRET_ARN =
  'arn:aws:secretsmanager:us-east-1:123456789012:secret:tickstream/alphavantage-Q1w2E3';

/** Where the endpoints variant's broker fetches Kafka from (no internet there). */
export const DISTRIBUTION_COPY = 's3://tickstream-artifacts-123456789012/kafka/kafka_2.13-3.9.2.tgz';

/**
 * Where prod's producers and mapping reach Kafka with the default vpcCidr: both reserved addresses of each of the
 * three brokers (docs/deploying.md, "Addresses"), port 9096.
 */
export const PROD_BROKER_ADDRESSES = [
  '10.42.0.12:9096',
  '10.42.1.12:9096',
  '10.42.3.12:9096',
  '10.42.0.14:9096',
  '10.42.1.14:9096',
  '10.42.3.14:9096',
];

/**
 * A broker launch template's UserData as text (JSON, references kept as objects), with the scripts it carries
 * gzipped and base64-encoded (`echo '…' | base64 -d | gunzip > /opt/…`) shown decoded, as the instance runs them.
 */
export function expandedUserData(userData: unknown): string {
  return JSON.stringify(userData).replace(/"([A-Za-z0-9+/=]{40,})"/g, (_match, packed: string) =>
    JSON.stringify(gunzipSync(Buffer.from(packed, 'base64')).toString('utf8')),
  );
}

/** The AMI id the `zones` variant pins its brokers to (param brokerImageId). */
export const PINNED_BROKER_IMAGE = 'ami-0123456789abcdef0';

/** The template variants the set-up packages (test/setup/package-templates.ts). */
export type TemplateVariant =
  | 'dev'
  | 'prod'
  | 'byo'
  | 'endpoints'
  | 'alphavantage'
  | 'alphavantagePremium'
  | 'zones'
  | 'replacing'
  | 'layout';

/**
 * The packaged templates the template set-up left: `dev`, `prod`, `byo` (bring your own broker), `endpoints`
 * (dev with interface endpoints instead of the NAT gateway), `alphavantage` (dev on the Alpha Vantage source, free plan), `alphavantagePremium` (the same, premium plan with delayed
 * quotes), `zones` (prod with a NAT gateway per zone and a pinned broker image), `replacing` (prod moving broker
 * 2 to launch template version 2 at its other address) and
 * `layout` (dev with other data bucket roots).
 */
export function packagedTemplates(): Record<TemplateVariant, CfnTemplate> {
  const dir = process.env[TEST_TEMPLATES_VARIABLE];
  if (!dir) throw new Error(`${TEST_TEMPLATES_VARIABLE} is not set: run template tests through jest`);
  const read = (name: string) => JSON.parse(readFileSync(join(dir, `${name}.json`), 'utf8')) as CfnTemplate;
  return {
    dev: read('dev'),
    prod: read('prod'),
    byo: read('byo'),
    endpoints: read('endpoints'),
    alphavantage: read('alphavantage'),
    alphavantagePremium: read('alphavantagePremium'),
    zones: read('zones'),
    replacing: read('replacing'),
    layout: read('layout'),
  };
}

/** The IPv4 address of a dotted quad as a number, and back. */
const ipNumber = (ip: string) => ip.split('.').reduce((sum, part) => sum * 256 + Number(part), 0);
const ipText = (n: number) => [24, 16, 8, 0].map((shift) => Math.floor(n / 2 ** shift) % 256).join('.');

/**
 * Evaluates the intrinsic functions CloudFormation resolves from literals alone (Fn::Join, Fn::Select, Fn::Split
 * and IPv4 Fn::Cidr, nested); anything else (Ref, Fn::GetAtt) is left as it is.
 */
export function literalValue(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(literalValue);
  if (typeof value !== 'object' || value === null) return value;
  const [fn, rawArgs] = Object.entries(value)[0] ?? [];
  if (Object.keys(value).length !== 1 || !fn?.startsWith('Fn::')) return value;
  const args = literalValue(rawArgs) as unknown[];
  const literal = (item: unknown) => typeof item === 'string' || typeof item === 'number';
  if (fn === 'Fn::Join' && Array.isArray(args[1]) && args[1].every(literal))
    return (args[1] as unknown[]).join(args[0] as string);
  if (fn === 'Fn::Select' && Array.isArray(args[1])) return args[1][Number(args[0])];
  if (fn === 'Fn::Split' && typeof args[1] === 'string') return args[1].split(args[0] as string);
  if (fn === 'Fn::Cidr' && typeof args[0] === 'string') {
    const [block, count, bits] = args as [string, number, number];
    const [base = '', prefix] = block.split('/');
    const size = 2 ** Number(bits);
    const start = ipNumber(base) - (ipNumber(base) % 2 ** (32 - Number(prefix)));
    return Array.from(
      { length: Number(count) },
      (_, index) => `${ipText(start + index * size)}/${32 - Number(bits)}`,
    );
  }
  return { [fn]: args };
}

/** Whether an IPv4 address lies in a CIDR block. */
export function inCidr(ip: string, block: string): boolean {
  const [base = '', prefix] = block.split('/');
  const size = 2 ** (32 - Number(prefix));
  return Math.floor(ipNumber(ip) / size) === Math.floor(ipNumber(base) / size);
}
