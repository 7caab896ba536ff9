import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { describe, expect, it } from '@jest/globals';
import { packagedTemplates } from '../support/template';

interface Statement {
  Effect: 'Allow' | 'Deny';
  Action: string | string[];
  Resource: string | string[];
}

const POLICY = JSON.parse(
  readFileSync(resolve(__dirname, '..', '..', 'docs', 'deployer-policy.json'), 'utf8'),
) as {
  Statement: Statement[];
};

/** IAM's wildcard matching: `*` any run of characters, `?` one. */
const matches = (pattern: string, value: string) =>
  new RegExp(
    `^${pattern
      .replace(/[.+^${}()|[\]\\]/g, '\\$&')
      .replace(/\*/g, '.*')
      .replace(/\?/g, '.')}$`,
  ).test(value);

/** Whether the policy allows `action` on `resource`. */
function allows(action: string, resource: string): boolean {
  return POLICY.Statement.some(
    (statement) =>
      statement.Effect === 'Allow' &&
      [statement.Action].flat().some((pattern) => matches(pattern, action)) &&
      [statement.Resource].flat().some((pattern) => matches(pattern, resource)),
  );
}

/** The IAM prefix of a CloudFormation resource type's service (`AWS::StepFunctions::…` → `states`). */
const IAM_PREFIX: Record<string, string> = { StepFunctions: 'states', Events: 'events', Logs: 'logs' };
const iamPrefix = (type: string) => {
  const service = type.split('::')[1] ?? '';
  return IAM_PREFIX[service] ?? service.toLowerCase();
};

const templates = Object.entries(packagedTemplates());
const resources = templates.flatMap(([, template]) => Object.values(template.Resources));
const named = (type: string, property: string) =>
  resources
    .filter((resource) => resource.Type === type)
    .map((resource) => (resource.Properties as Record<string, unknown> | undefined)?.[property])
    .filter((name): name is string => typeof name === 'string');

describe('the deployer policy (docs/deployer-policy.json)', () => {
  it('covers the service of every resource type any stage’s template creates', () => {
    const types = [...new Set(resources.map((resource) => resource.Type))].sort();
    expect(types.length).toBeGreaterThan(30);
    const uncovered = types.filter(
      (type) =>
        !POLICY.Statement.some(
          (statement) =>
            statement.Effect === 'Allow' &&
            [statement.Action].flat().some((action) => action.startsWith(`${iamPrefix(type)}:`)),
        ),
    );
    expect(uncovered).toEqual([]);
  });

  it('allows managing each named resource by the name the template gives it', () => {
    const arns = [
      ...named('AWS::Lambda::Function', 'FunctionName').map((name) => [
        'lambda:UpdateFunctionCode',
        `arn:aws:lambda:us-east-1:123456789012:function:${name}`,
      ]),
      ...named('AWS::Logs::LogGroup', 'LogGroupName').map((name) => [
        'logs:CreateLogGroup',
        `arn:aws:logs:us-east-1:123456789012:log-group:${name}`,
      ]),
      ...named('AWS::Events::Rule', 'Name').map((name) => [
        'events:PutRule',
        `arn:aws:events:us-east-1:123456789012:rule/${name}`,
      ]),
      ...named('AWS::StepFunctions::StateMachine', 'StateMachineName').map((name) => [
        'states:CreateStateMachine',
        `arn:aws:states:us-east-1:123456789012:stateMachine:${name}`,
      ]),
      ...named('AWS::Glue::Crawler', 'Name').map((name) => [
        'glue:CreateCrawler',
        `arn:aws:glue:us-east-1:123456789012:crawler/${name}`,
      ]),
      ...named('AWS::Athena::WorkGroup', 'Name').map((name) => [
        'athena:CreateWorkGroup',
        `arn:aws:athena:us-east-1:123456789012:workgroup/${name}`,
      ]),
      // Unnamed stack resources get `<stack>-<logical id>-<suffix>`: the stack is tickstream-<stage>.
      [
        'cloudformation:CreateChangeSet',
        'arn:aws:cloudformation:us-east-1:123456789012:stack/tickstream-prod/abc',
      ],
      ['s3:CreateBucket', 'arn:aws:s3:::tickstream-prod-databucket-1a2b3c'],
      ['iam:CreateRole', 'arn:aws:iam::123456789012:role/tickstream-prod-LandTicksRole-1A2B3C'],
      ['sns:CreateTopic', 'arn:aws:sns:us-east-1:123456789012:tickstream-prod-AlertsTopic-1A2B3C'],
    ];
    expect(arns.length).toBeGreaterThan(20);
    expect(arns.filter(([action, arn]) => !allows(action as string, arn as string))).toEqual([]);
  });

  it('lets the deployer hand the stack’s roles to its functions, workflow and broker, and no other role', () => {
    expect(allows('iam:PassRole', 'arn:aws:iam::123456789012:role/tickstream-dev-ProduceTicksRole-ABC')).toBe(
      true,
    );
    expect(allows('iam:PassRole', 'arn:aws:iam::123456789012:role/AdministratorRole')).toBe(false);
  });

  it('can read the image parameter the broker’s launch template resolves', () => {
    const parameters = [
      ...new Set(
        templates.flatMap(([, template]) =>
          [...JSON.stringify(template).matchAll(/\{\{resolve:ssm:([^}]+)\}\}/g)].map(
            (match) => match[1] as string,
          ),
        ),
      ),
    ];
    expect(parameters.length).toBeGreaterThan(0);
    expect(
      parameters.filter((name) => !allows('ssm:GetParameters', `arn:aws:ssm:us-east-1::parameter${name}`)),
    ).toEqual([]);
  });
});
