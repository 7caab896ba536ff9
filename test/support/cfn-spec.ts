import { loadAwsServiceSpecSync } from '@aws-cdk/aws-service-spec';
import type { CfnTemplate } from './template';

type SpecType =
  | { type: 'ref'; reference: { $ref: string } }
  | { type: 'array' | 'map'; element: SpecType }
  | { type: 'union'; types: SpecType[] }
  | { type: string };

interface SpecProperty {
  type: SpecType;
  required?: boolean;
}

const db = loadAwsServiceSpecSync();

const isIntrinsic = (value: unknown): boolean =>
  typeof value === 'object' &&
  value !== null &&
  !Array.isArray(value) &&
  Object.keys(value).length === 1 &&
  /^(Ref|Fn::\w+|Condition)$/.test(Object.keys(value)[0] ?? '');

function checkValue(value: unknown, type: SpecType, path: string, problems: string[]): void {
  if (isIntrinsic(value)) return;
  switch (type.type) {
    case 'ref': {
      const definition = db.get(
        'typeDefinition',
        (type as { reference: { $ref: string } }).reference.$ref,
      ) as unknown as {
        properties: Record<string, SpecProperty>;
      };
      checkProperties(value, definition.properties, path, problems);
      return;
    }
    case 'array':
      if (!Array.isArray(value)) problems.push(`${path}: expected a list`);
      else
        value.forEach((item, i) => {
          checkValue(item, (type as { element: SpecType }).element, `${path}[${i}]`, problems);
        });
      return;
    case 'map':
      if (typeof value !== 'object' || value === null) problems.push(`${path}: expected a map`);
      else
        for (const [key, item] of Object.entries(value))
          checkValue(item, (type as { element: SpecType }).element, `${path}.${key}`, problems);
      return;
    case 'union': {
      const attempts = (type as { types: SpecType[] }).types.map((candidate) => {
        const found: string[] = [];
        checkValue(value, candidate, path, found);
        return found;
      });
      if (!attempts.some((found) => found.length === 0)) problems.push(...(attempts[0] ?? []));
      return;
    }
    case 'string':
    case 'date-time':
      if (typeof value !== 'string')
        problems.push(`${path}: expected a string, got ${JSON.stringify(value)}`);
      return;
    case 'number':
    case 'integer':
      if (typeof value !== 'number' && !(typeof value === 'string' && /^-?\d+(\.\d+)?$/.test(value))) {
        problems.push(`${path}: expected a number, got ${JSON.stringify(value)}`);
      }
      return;
    case 'boolean':
      if (typeof value !== 'boolean' && value !== 'true' && value !== 'false')
        problems.push(`${path}: expected a boolean`);
      return;
    default:
      return;
  }
}

function checkProperties(
  value: unknown,
  properties: Record<string, SpecProperty>,
  path: string,
  problems: string[],
): void {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    problems.push(`${path}: expected an object`);
    return;
  }
  for (const [name, item] of Object.entries(value)) {
    const property = properties[name];
    if (!property) problems.push(`${path}.${name}: no such property`);
    else checkValue(item, property.type, `${path}.${name}`, problems);
  }
  for (const [name, property] of Object.entries(properties)) {
    if (property.required && !(name in value)) problems.push(`${path}.${name}: required but missing`);
  }
}

/**
 * Checks every resource of a template against the CloudFormation resource specification: the type exists,
 * every property (nested ones too) is one it has, with a value of the right kind, and none required is missing.
 */
export function specProblems(template: CfnTemplate): string[] {
  const problems: string[] = [];
  for (const [id, resource] of Object.entries(template.Resources)) {
    if (resource.Type.startsWith('Custom::')) continue;
    const [spec] = db.lookup('resource', 'cloudFormationType', 'equals', resource.Type) as unknown as {
      properties: Record<string, SpecProperty>;
    }[];
    if (!spec) {
      problems.push(`${id}: unknown resource type ${resource.Type}`);
      continue;
    }
    checkProperties(resource.Properties, spec.properties, `${id}(${resource.Type})`, problems);
  }
  return problems;
}
