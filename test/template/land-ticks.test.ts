import { describe, expect, it } from '@jest/globals';
import { packagedTemplates, resourceById, resourcesOfType, roleStatements } from '../support/template';

const templates = packagedTemplates();

describe.each([
  ['dev', 2000, 60],
  ['prod', 10000, 60],
])('landTicks in sls package --stage %s', (stage, batchSize, window) => {
  const template = () => templates[stage as 'dev' | 'prod'];

  it('is invoked by a self-managed Kafka mapping on the tick topic, from the start, with the stage batching', () => {
    const mappings = resourcesOfType(template(), 'AWS::Lambda::EventSourceMapping');
    expect(mappings).toHaveLength(1);
    const [id, mapping] = mappings[0] ?? [];
    expect(id).toBe('LandTicksEventSourceMappingKafkaStockticks');
    expect(mapping?.Properties).toMatchObject({
      FunctionName: { 'Fn::GetAtt': ['LandTicksLambdaFunction', 'Arn'] },
      Topics: ['stock-ticks'],
      StartingPosition: 'TRIM_HORIZON',
      BatchSize: batchSize,
      MaximumBatchingWindowInSeconds: window,
      SelfManagedKafkaEventSourceConfig: { ConsumerGroupId: `tickstream-${stage}-land-ticks` },
    });
    const access = mapping?.Properties.SourceAccessConfigurations as { Type: string }[];
    expect(access.map((entry) => entry.Type).sort()).toEqual([
      'VPC_SECURITY_GROUP',
      'VPC_SUBNET',
      'VPC_SUBNET',
    ]);
  });

  it('retries a failing batch until it lands: no retry limit, no record age, no destination to drop it to', () => {
    // An on-demand self-managed Kafka mapping retries without limit (both settings default to -1 and are set
    // only in provisioned mode): a partition waits for its batch instead of skipping data, and the alarms say so.
    const mapping = resourceById(template(), 'LandTicksEventSourceMappingKafkaStockticks').Properties;
    expect([
      mapping.MaximumRetryAttempts,
      mapping.MaximumRecordAgeInSeconds,
      mapping.DestinationConfig,
    ]).toEqual([undefined, undefined, undefined]);
    expect(mapping.ProvisionedPollerConfig).toBeUndefined();
    expect(template().Resources.LandTicksFailureQueue).toBeUndefined();
    expect(JSON.stringify(roleStatements(resourceById(template(), 'LandTicksRole')))).not.toContain('sqs:');
  });

  it('has its own role that may only put objects under the raw and quarantine prefixes of the data bucket, and update the live snapshot', () => {
    const fn = resourceById(template(), 'LandTicksLambdaFunction');
    expect(fn.Properties.Role).toEqual({ 'Fn::GetAtt': ['LandTicksRole', 'Arn'] });
    expect(
      (fn.Properties.Environment as { Variables: Record<string, unknown> }).Variables.DATA_BUCKET,
    ).toEqual({ Ref: 'DataBucket' });
    const role = resourceById(template(), 'LandTicksRole');
    const statements = roleStatements(role);
    const s3Statements = statements.filter((statement) =>
      [statement.Action].flat().some((action) => action.startsWith('s3:')),
    );
    expect(s3Statements).toEqual([
      {
        Sid: 'LandObjects',
        Effect: 'Allow',
        Action: 's3:PutObject',
        Resource: [
          { 'Fn::Sub': '${DataBucket.Arn}/raw/stock_ticks/*' },
          { 'Fn::Sub': '${DataBucket.Arn}/quarantine/stock_ticks/*' },
        ],
      },
      {
        Sid: 'UpdateLiveSnapshot',
        Effect: 'Allow',
        Action: ['s3:GetObject', 's3:PutObject'],
        Resource: { 'Fn::Sub': '${ResultsBucket.Arn}/live/snapshot.json' },
      },
      {
        Sid: 'FindLiveSnapshot',
        Effect: 'Allow',
        Action: 's3:ListBucket',
        Resource: { 'Fn::GetAtt': ['ResultsBucket', 'Arn'] },
      },
    ]);
    expect((fn.Properties.Environment as { Variables: Record<string, unknown> }).Variables).toMatchObject({
      RESULTS_BUCKET: { Ref: 'ResultsBucket' },
      LIVE_PREFIX: 'live',
    });
    for (const statement of statements) {
      expect([statement.Action].flat()).not.toContain('*');
      expect([statement.Action].flat().every((action) => !action.endsWith(':*'))).toBe(true);
    }
    expect(role.Properties.ManagedPolicyArns).toBeUndefined();
  });

  it('keeps the data bucket encrypted, private and TLS-only', () => {
    const bucket = resourceById(template(), 'DataBucket');
    expect(bucket.Properties.PublicAccessBlockConfiguration).toEqual({
      BlockPublicAcls: true,
      BlockPublicPolicy: true,
      IgnorePublicAcls: true,
      RestrictPublicBuckets: true,
    });
    expect(bucket.Properties.BucketEncryption).toEqual({
      ServerSideEncryptionConfiguration: [
        { ServerSideEncryptionByDefault: { SSEAlgorithm: 'AES256' }, BucketKeyEnabled: true },
      ],
    });
    const policy = resourceById(template(), 'DataBucketPolicy');
    expect(policy.Properties.PolicyDocument).toMatchObject({
      Statement: [
        { Effect: 'Deny', Action: 's3:*', Condition: { Bool: { 'aws:SecureTransport': 'false' } } },
      ],
    });
  });
});
