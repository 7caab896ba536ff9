import { describe, expect, it } from '@jest/globals';
import {
  type CfnTemplate,
  createdResources,
  packagedTemplates,
  resourceById,
  resourcesOfType,
  roleStatements,
} from '../support/template';

interface Rule {
  IpProtocol: string;
  FromPort?: number;
  ToPort?: number;
  CidrIp?: string;
  CidrIpv6?: string;
  SourceSecurityGroupId?: unknown;
}

const templates = packagedTemplates();
const created = {
  dev: createdResources(templates.dev),
  prod: createdResources(templates.prod),
  byo: createdResources(templates.byo),
};

function ingressRules(template: CfnTemplate): Rule[] {
  const inline = resourcesOfType(template, 'AWS::EC2::SecurityGroup').flatMap(
    ([, group]) => (group.Properties.SecurityGroupIngress as Rule[] | undefined) ?? [],
  );
  const separate = resourcesOfType(template, 'AWS::EC2::SecurityGroupIngress').map(
    ([, rule]) => rule.Properties as unknown as Rule,
  );
  return [...inline, ...separate];
}

describe.each(['dev', 'prod', 'byo'] as const)(
  'the %s template, as CloudFormation would create it',
  (variant) => {
    const template = () => created[variant];

    it('admits nothing from 0.0.0.0/0 or ::/0 and opens no SSH port', () => {
      for (const rule of ingressRules(template())) {
        expect(rule.CidrIp).not.toBe('0.0.0.0/0');
        expect(rule.CidrIpv6).not.toBe('::/0');
        const from = Number(rule.FromPort ?? 0);
        const to = Number(rule.ToPort ?? 65535);
        expect(rule.IpProtocol === '-1' || (from <= 22 && 22 <= to)).toBe(false);
      }
    });

    it('encrypts every bucket, blocks public access and denies non-TLS requests', () => {
      const buckets = resourcesOfType(template(), 'AWS::S3::Bucket');
      expect(buckets.map(([id]) => id).sort()).toEqual([
        'DataBucket',
        'ResultsBucket',
        'ServerlessDeploymentBucket',
      ]);
      const policies = resourcesOfType(template(), 'AWS::S3::BucketPolicy').map(
        ([, policy]) => policy.Properties,
      );
      const guards = buckets.map(([id, bucket]) => {
        const policy = policies.find((p) => JSON.stringify(p.Bucket) === JSON.stringify({ Ref: id }));
        const document = JSON.stringify(policy?.PolicyDocument) ?? '';
        return {
          id,
          encrypted: bucket.Properties.BucketEncryption !== undefined,
          publicAccess: bucket.Properties.PublicAccessBlockConfiguration,
          denies: /"Effect":"Deny"/.test(document),
          tlsOnly: /"aws:SecureTransport":"?false"?/.test(document),
        };
      });
      expect(guards).toEqual(
        buckets.map(([id]) => ({
          id,
          encrypted: true,
          publicAccess: {
            BlockPublicAcls: true,
            BlockPublicPolicy: true,
            IgnorePublicAcls: true,
            RestrictPublicBuckets: true,
          },
          denies: true,
          tlsOnly: true,
        })),
      );
    });

    it('grants no "*" action anywhere, and no "*" resource for S3, Glue or Athena actions', () => {
      const wildcards = resourcesOfType(template(), 'AWS::IAM::Role').flatMap(([id, role]) =>
        roleStatements(role).flatMap((statement) => {
          const actions = [statement.Action].flat();
          const found = actions
            .filter((action) => action === '*' || action.endsWith(':*'))
            .map((action) => `${id}: action ${action}`);
          if (
            actions.some((action) => /^(s3|glue|athena):/.test(action)) &&
            [statement.Resource].flat().includes('*')
          )
            found.push(`${id}: resource * for ${actions.join(',')}`);
          return found;
        }),
      );
      expect(wildcards).toEqual([]);
    });

    it('gives every function its own role, the producers no S3 access', () => {
      const roles = resourcesOfType(template(), 'AWS::Lambda::Function').map(([, fn]) =>
        JSON.stringify(fn.Properties.Role),
      );
      expect(new Set(roles).size).toBe(roles.length);
      expect(template().Resources.IamRoleLambdaExecution).toBeUndefined();
      for (const roleId of ['ProduceTicksRole', 'BackfillHistoryRole']) {
        const actions = roleStatements(resourceById(template(), roleId)).flatMap((statement) =>
          [statement.Action].flat(),
        );
        expect({
          roleId,
          other: actions.filter(
            (action) =>
              !action.startsWith('logs:') && !action.startsWith('ec2:') && action !== 'sqs:SendMessage',
          ),
        }).toEqual({ roleId, other: [] });
      }
      expect(resourceById(template(), 'ProduceTicksLambdaFunction').Properties.Role).toEqual({
        'Fn::GetAtt': ['ProduceTicksRole', 'Arn'],
      });
    });

    it('alarms on offset lag, landTicks errors, quarantined records and failed reports, to the alerts topic', () => {
      const alarms = resourcesOfType(template(), 'AWS::CloudWatch::Alarm');
      const metrics = alarms
        .map(([, alarm]) => `${alarm.Properties.Namespace}/${alarm.Properties.MetricName}`)
        .sort();
      const expected = [
        'AWS/Lambda/Errors',
        'AWS/Lambda/OffsetLag',
        'AWS/SQS/ApproximateNumberOfMessagesVisible',
        'AWS/States/ExecutionsFailed',
        'tickstream/TicksQuarantined',
      ];
      expect(metrics).toEqual(
        variant === 'byo' ? expected : ['AWS/EC2/StatusCheckFailed', ...expected].sort(),
      );
      for (const [, alarm] of alarms) expect(alarm.Properties.AlarmActions).toEqual([{ Ref: 'AlertsTopic' }]);
      const lag = alarms.find(([, alarm]) => alarm.Properties.MetricName === 'OffsetLag')?.[1];
      expect(lag?.Properties.Dimensions).toContainEqual({
        Name: 'EventSourceMappingUUID',
        Value: { Ref: 'LandTicksEventSourceMappingKafkaStockticks' },
      });
    });
  },
);

describe.each(['dev', 'prod'] as const)('the in-stack broker (%s)', (stage) => {
  const template = () => created[stage];

  it('runs Amazon Linux 2023 in a private subnet with IMDSv2 only, encrypted EBS, SSM and no key pair', () => {
    const broker = resourceById(template(), 'KafkaBroker').Properties;
    expect(broker.ImageId).toContain('al2023-ami');
    expect(broker.SubnetId).toEqual({ Ref: 'PrivateSubnetA' });
    expect(broker.MetadataOptions).toMatchObject({ HttpTokens: 'required' });
    expect(broker.KeyName).toBeUndefined();
    const volumes = broker.BlockDeviceMappings as { Ebs: { Encrypted: boolean } }[];
    expect(volumes.length).toBe(2);
    for (const volume of volumes) expect(volume.Ebs.Encrypted).toBe(true);
    // dev runs on Graviton: the instance type and the AMI's architecture go together.
    expect([broker.InstanceType, broker.ImageId]).toEqual(
      stage === 'prod'
        ? [
            'm6i.large',
            '{{resolve:ssm:/aws/service/ami-amazon-linux-latest/al2023-ami-kernel-default-x86_64}}',
          ]
        : [
            't4g.small',
            '{{resolve:ssm:/aws/service/ami-amazon-linux-latest/al2023-ami-kernel-default-arm64}}',
          ],
    );
    expect(
      JSON.stringify(resourceById(template(), 'KafkaBrokerRole').Properties.ManagedPolicyArns),
    ).toContain('AmazonSSMManagedInstanceCore');
  });

  it('embeds the bootstrap script in the UserData with the stage settings', () => {
    const userData = JSON.stringify(resourceById(template(), 'KafkaBroker').Properties.UserData);
    expect(userData).toContain("export KAFKA_TOPIC='stock-ticks'");
    expect(userData).toContain(`export KAFKA_RETENTION_HOURS='${stage === 'prod' ? 168 : 24}'`);
    expect(userData).toContain('kafka.Kafka');
    expect(userData).toContain('org.apache.kafka.tools.TopicCommand');
  });

  it('admits Kafka on 9092 from the functions security group only', () => {
    const rules = ingressRules(template());
    expect(rules).toEqual([
      expect.objectContaining({
        IpProtocol: 'tcp',
        FromPort: 9092,
        ToPort: 9092,
        SourceSecurityGroupId: { Ref: 'FunctionsSecurityGroup' },
      }),
    ]);
  });

  it('points the mapping and the producers at the in-stack broker, subnets and security group', () => {
    const mapping = resourceById(template(), 'LandTicksEventSourceMappingKafkaStockticks').Properties;
    const text = JSON.stringify(mapping);
    for (const reference of [
      '"KafkaBroker","PrivateIp"',
      '"Ref":"PrivateSubnetA"',
      '"Ref":"PrivateSubnetB"',
      '"Ref":"FunctionsSecurityGroup"',
    ]) {
      expect(text).toContain(reference);
    }
    const ids = ['KafkaBroker', 'PrivateSubnetA', 'PrivateSubnetB', 'FunctionsSecurityGroup'];
    expect(ids.filter((id) => template().Resources[id] === undefined)).toEqual([]);
    const vpc = JSON.stringify(resourceById(template(), 'ProduceTicksLambdaFunction').Properties.VpcConfig);
    expect(vpc).toContain('"Ref":"FunctionsSecurityGroup"');
    expect(vpc).toContain('"Ref":"PrivateSubnetB"');
  });

  it('reaches S3 through a gateway endpoint and the pollers reach Lambda and STS through the NAT gateway', () => {
    expect(resourceById(template(), 'S3GatewayEndpoint').Properties.VpcEndpointType).toBe('Gateway');
    expect(template().Resources.NatGateway).toBeDefined();
    expect(template().Resources.LambdaEndpoint).toBeUndefined();
  });

  it('retains the data bucket in prod only, with lifecycle rules', () => {
    const bucket = resourceById(template(), 'DataBucket');
    expect(bucket.DeletionPolicy).toBe(stage === 'prod' ? 'Retain' : 'Delete');
    expect(JSON.stringify(bucket.Properties.LifecycleConfiguration)).toContain('STANDARD_IA');
    expect(JSON.stringify(bucket.Properties.LifecycleConfiguration)).toContain('"Prefix":"quarantine/"');
  });
});

describe('bring your own broker (kafkaBootstrapServers set)', () => {
  const template = () => created.byo;

  it('creates no EC2 host and no network', () => {
    expect(resourcesOfType(template(), 'AWS::EC2::Instance')).toEqual([]);
    expect(resourcesOfType(template(), 'AWS::EC2::VPC')).toEqual([]);
    expect(resourcesOfType(template(), 'AWS::EC2::NatGateway')).toEqual([]);
  });

  it('gives the mapping and the producers the brokers, subnets and security group from the params', () => {
    const text = JSON.stringify(
      templates.byo.Resources.LandTicksEventSourceMappingKafkaStockticks?.Properties,
    );
    expect(text).toContain('10.9.0.10:9092,10.9.1.10:9092');
    expect(text).toContain('subnet-0aaa1111bbbb2222c,subnet-0ccc3333dddd4444e');
    expect(text).toContain('sg-0fff5555aaaa6666b');
    expect(templates.byo.Conditions).toMatchObject({
      CreateBroker: { 'Fn::Equals': ['10.9.0.10:9092,10.9.1.10:9092', ''] },
    });
  });
});
