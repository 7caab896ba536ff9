import { describe, expect, it } from '@jest/globals';
import {
  BYO_CA_SECRET_ARN,
  BYO_SASL_SECRET_ARN,
  type CfnTemplate,
  createdResources,
  DISTRIBUTION_COPY,
  expandedUserData,
  type PolicyStatement,
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
  endpoints: createdResources(templates.endpoints),
};

/** The Kafka secrets each variant's functions read: the SASL user, then the CA. */
const kafkaSecrets = {
  dev: [{ Ref: 'KafkaClientSecret' }, { Ref: 'KafkaCaSecret' }],
  prod: [{ Ref: 'KafkaClientSecret' }, { Ref: 'KafkaCaSecret' }],
  byo: [BYO_SASL_SECRET_ARN, BYO_CA_SECRET_ARN],
};

/** Every statement of the template's roles that names a Secrets Manager action, by role. */
function secretsManagerStatements(
  template: CfnTemplate,
): Record<string, { Action: unknown; Resource: unknown }[]> {
  return Object.fromEntries(
    resourcesOfType(template, 'AWS::IAM::Role')
      .map(
        ([id, role]) =>
          [
            id,
            roleStatements(role)
              .filter((statement) =>
                [statement.Action].flat().some((action) => action.startsWith('secretsmanager:')),
              )
              .map(({ Action, Resource }) => ({ Action, Resource })),
          ] as const,
      )
      .filter(([, statements]) => statements.length > 0),
  );
}

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
              !action.startsWith('logs:') &&
              !action.startsWith('ec2:') &&
              action !== 'sqs:SendMessage' &&
              action !== 'secretsmanager:GetSecretValue',
          ),
        }).toEqual({ roleId, other: [] });
      }
      expect(resourceById(template(), 'ProduceTicksLambdaFunction').Properties.Role).toEqual({
        'Fn::GetAtt': ['ProduceTicksRole', 'Arn'],
      });
    });

    it('lets the producers and landTicks read the Kafka secrets, and only those, with GetSecretValue', () => {
      const statements = secretsManagerStatements(template());
      const readKafkaSecrets = [{ Action: 'secretsmanager:GetSecretValue', Resource: kafkaSecrets[variant] }];
      expect(statements).toEqual({
        ProduceTicksRole: readKafkaSecrets,
        BackfillHistoryRole: readKafkaSecrets,
        LandTicksRole: readKafkaSecrets,
        ...(variant === 'byo'
          ? {}
          : {
              // The broker reads the user it creates and stores the CA it makes, at first boot.
              // Broker 1 fills the cluster secret; every other broker (and a replacement) reads it.
              KafkaBrokerRole: [
                { Action: 'secretsmanager:GetSecretValue', Resource: { Ref: 'KafkaClientSecret' } },
                { Action: 'secretsmanager:PutSecretValue', Resource: { Ref: 'KafkaCaSecret' } },
                {
                  Action: ['secretsmanager:GetSecretValue', 'secretsmanager:PutSecretValue'],
                  Resource: { Ref: 'KafkaClusterSecret' },
                },
              ],
            }),
      });
    });

    it("has the mapping sign in over SASL_SSL with the SCRAM secret and trust the broker's CA", () => {
      const mapping = resourceById(template(), 'LandTicksEventSourceMappingKafkaStockticks').Properties;
      const access = mapping.SourceAccessConfigurations as { Type: string; URI: unknown }[];
      const [user, ca] = kafkaSecrets[variant];
      expect(
        access.filter((item) => item.Type !== 'VPC_SUBNET' && item.Type !== 'VPC_SECURITY_GROUP'),
      ).toEqual([
        { Type: variant === 'byo' ? 'SASL_SCRAM_256_AUTH' : 'SASL_SCRAM_512_AUTH', URI: user },
        { Type: 'SERVER_ROOT_CA_CERTIFICATE', URI: ca },
      ]);
      expect(JSON.stringify(mapping.SelfManagedEventSource)).toMatch(/:9096/);
    });

    it('tells the producers to sign in over SASL_SSL with the secrets, whose values never enter the template', () => {
      for (const fn of ['ProduceTicksLambdaFunction', 'BackfillHistoryLambdaFunction']) {
        const variables = (
          resourceById(template(), fn).Properties.Environment as { Variables: Record<string, unknown> }
        ).Variables;
        const [user, ca] = kafkaSecrets[variant];
        expect({
          KAFKA_SECURITY_PROTOCOL: variables.KAFKA_SECURITY_PROTOCOL,
          KAFKA_SASL_MECHANISM: variables.KAFKA_SASL_MECHANISM,
          KAFKA_SASL_SECRET_ID: variables.KAFKA_SASL_SECRET_ID,
          KAFKA_SSL_CA_SECRET_ID: variables.KAFKA_SSL_CA_SECRET_ID,
        }).toEqual({
          KAFKA_SECURITY_PROTOCOL: 'SASL_SSL',
          KAFKA_SASL_MECHANISM: variant === 'byo' ? 'SCRAM-SHA-256' : 'SCRAM-SHA-512',
          KAFKA_SASL_SECRET_ID: user,
          KAFKA_SSL_CA_SECRET_ID: ca,
        });
        expect(Object.keys(variables).filter((name) => /PASSWORD|_PEM$/.test(name))).toEqual([]);
      }
    });

    it('alarms on offset lag, landTicks errors, quarantined records, failed reports and a late live snapshot, to the alerts topic', () => {
      const alarms = resourcesOfType(template(), 'AWS::CloudWatch::Alarm');
      const metrics = alarms
        .map(([, alarm]) => `${alarm.Properties.Namespace}/${alarm.Properties.MetricName}`)
        .sort();
      const expected = [
        'AWS/Lambda/Errors',
        'AWS/Lambda/OffsetLag',
        'AWS/SQS/ApproximateNumberOfMessagesVisible',
        'AWS/States/ExecutionsFailed',
        'tickstream/SnapshotFreshness',
        'tickstream/TicksQuarantined',
      ];
      // One status-check alarm per broker: three on prod; dev's NAT instance has its host's (EC2 recovers it).
      const brokers = { byo: 0, dev: 1, prod: 3 }[variant];
      const natInstance = variant === 'dev' ? ['AWS/EC2/StatusCheckFailed_System'] : [];
      expect(metrics).toEqual(
        [
          ...Array.from({ length: brokers }, () => 'AWS/EC2/StatusCheckFailed'),
          ...natInstance,
          ...expected,
        ].sort(),
      );
      for (const [id, alarm] of alarms)
        expect(alarm.Properties.AlarmActions).toEqual(
          id === 'NatInstanceRecovery'
            ? [{ 'Fn::Sub': 'arn:aws:automate:${AWS::Region}:ec2:recover' }, { Ref: 'AlertsTopic' }]
            : [{ Ref: 'AlertsTopic' }],
        );
      // OffsetLag is published by FunctionName only (Lambda developer guide, "Working with Lambda function
      // metrics"): any other dimension would select a metric that never has data, and the alarm would never fire.
      const lag = alarms.find(([, alarm]) => alarm.Properties.MetricName === 'OffsetLag')?.[1];
      expect(lag?.Properties.Dimensions).toEqual([
        { Name: 'FunctionName', Value: { Ref: 'LandTicksLambdaFunction' } },
      ]);
      // A stuck partition is heard of while it is stuck, and again when it lands.
      const errors = alarms.find(([, alarm]) => alarm.Properties.MetricName === 'Errors')?.[1];
      expect(errors?.Properties).toMatchObject({ Period: 300, EvaluationPeriods: 1, Threshold: 0 });
      expect(errors?.Properties.OKActions).toEqual([{ Ref: 'AlertsTopic' }]);
      // The freshness goal, in the unit landTicks publishes (seconds), on the p99 of its batches.
      const freshness = alarms.find(([, alarm]) => alarm.Properties.MetricName === 'SnapshotFreshness')?.[1];
      expect(freshness?.Properties).toMatchObject({
        ExtendedStatistic: 'p99',
        Threshold: 75,
        Dimensions: [{ Name: 'service', Value: 'land-ticks' }],
        TreatMissingData: 'notBreaching',
      });
    });

    it('encrypts the alerts topic with a key whose policy lets CloudWatch alarms and the workflow publish', () => {
      expect(resourceById(template(), 'AlertsTopic').Properties.KmsMasterKeyId).toEqual({ Ref: 'AlertsKey' });
      const key = resourceById(template(), 'AlertsKey').Properties;
      const statements = (key.KeyPolicy as { Statement: PolicyStatement[] }).Statement;
      expect(statements).toContainEqual(
        expect.objectContaining({
          Effect: 'Allow',
          Principal: { Service: 'cloudwatch.amazonaws.com' },
          Action: ['kms:Decrypt', 'kms:GenerateDataKey*'],
        }),
      );
      expect(key.EnableKeyRotation).toBe(true);
      const workflow = roleStatements(resourceById(template(), 'ReportsStateMachineRole'));
      expect(workflow).toContainEqual(
        expect.objectContaining({
          Action: ['kms:GenerateDataKey', 'kms:Decrypt'],
          Resource: { 'Fn::GetAtt': ['AlertsKey', 'Arn'] },
        }),
      );
      expect(JSON.stringify(template())).not.toContain('alias/aws/sns');
    });
  },
);

describe.each(['dev', 'prod'] as const)('the in-stack broker (%s)', (stage) => {
  const template = () => created[stage];

  /** What the broker host is launched from: its launch template's data. */
  const hostOf = () =>
    resourceById(template(), 'KafkaBrokerLaunchTemplate').Properties.LaunchTemplateData as Record<
      string,
      unknown
    >;

  it('keeps the broker through later deploys: a pinned launch template version, never the latest', () => {
    const instance = resourceById(template(), 'KafkaBroker').Properties;
    // A newer Amazon Linux image (resolved on every deploy) only makes a new template version.
    expect(instance.LaunchTemplate).toEqual({
      LaunchTemplateId: { Ref: 'KafkaBrokerLaunchTemplate' },
      Version: '1',
    });
    expect(instance.ImageId).toBeUndefined();
    expect(instance.InstanceType).toBeUndefined();
    expect(instance.UserData).toBeUndefined();
    expect(JSON.stringify(instance)).not.toContain('LatestVersionNumber');
    expect(String(hostOf().ImageId)).toMatch(/^\{\{resolve:ssm:\/aws\/service\/ami-amazon-linux-latest\//);
  });

  it('runs Amazon Linux 2023 in a private subnet with IMDSv2 only, encrypted EBS, SSM and no key pair', () => {
    const broker = hostOf();
    expect(broker.ImageId).toContain('al2023-ami');
    expect(resourceById(template(), 'KafkaBroker').Properties.SubnetId).toEqual({ Ref: 'PrivateSubnetA' });
    expect(broker.MetadataOptions).toMatchObject({ HttpTokens: 'required' });
    expect(broker.KeyName).toBeUndefined();
    const volumes = broker.BlockDeviceMappings as { DeviceName: string; Ebs: { Encrypted: boolean } }[];
    expect(volumes.length).toBe(2);
    for (const volume of volumes) expect(volume.Ebs.Encrypted).toBe(true);
    // The bootstrap finds the data volume by the name it is attached under, not by an NVMe number.
    expect(volumes[1]?.DeviceName).toBe('/dev/sdf');
    const userData = expandedUserData(broker.UserData);
    expect(userData).toContain("export DATA_DEVICE_NAME='/dev/sdf'");
    expect(userData).not.toContain('nvme1n1');
    expect(userData).toContain('RequiresMountsFor=$KAFKA_DATA_DIR');
    // Both stages run on Graviton: the instance type and the AMI's architecture go together.
    expect([broker.InstanceType, broker.ImageId]).toEqual([
      stage === 'prod' ? 't4g.medium' : 't4g.small',
      '{{resolve:ssm:/aws/service/ami-amazon-linux-latest/al2023-ami-kernel-default-arm64}}',
    ]);
    expect(
      JSON.stringify(resourceById(template(), 'KafkaBrokerRole').Properties.ManagedPolicyArns),
    ).toContain('AmazonSSMManagedInstanceCore');
  });

  it('embeds the bootstrap script in the UserData with the stage settings', () => {
    const userData = expandedUserData(hostOf().UserData);
    expect(userData).toContain("export KAFKA_TOPIC='stock-ticks'");
    expect(userData).toContain(`export KAFKA_RETENTION_HOURS='${stage === 'prod' ? 168 : 24}'`);
    expect(userData).toContain('kafka.Kafka');
    expect(userData).toContain('org.apache.kafka.tools.TopicCommand');
  });

  it('admits the SASL_SSL listener (9096) from the functions only and, on prod, 9096 and 9093 between brokers only', () => {
    const rules = ingressRules(template());
    const from = (port: number, group: string) =>
      expect.objectContaining({
        IpProtocol: 'tcp',
        FromPort: port,
        ToPort: port,
        SourceSecurityGroupId: { Ref: group },
      });
    expect(rules).toEqual([
      // Dev's NAT instance forwards HTTPS from inside the VPC, nothing else.
      ...(stage === 'dev'
        ? [expect.objectContaining({ IpProtocol: 'tcp', FromPort: 443, ToPort: 443, CidrIp: '10.42.0.0/16' })]
        : []),
      from(9096, 'FunctionsSecurityGroup'),
      ...(stage === 'prod'
        ? [from(9096, 'KafkaBrokerSecurityGroup'), from(9093, 'KafkaBrokerSecurityGroup')]
        : []),
    ]);
    expect(JSON.stringify(template().Resources)).not.toMatch(/:9092\b|"9092"|PLAINTEXT:\/\//);
  });

  it('generates the client password in Secrets Manager and leaves the CA secret for the broker to fill', () => {
    const client = resourceById(template(), 'KafkaClientSecret').Properties;
    expect(client.SecretString).toBeUndefined();
    const generated = client.GenerateSecretString as {
      SecretStringTemplate: string;
      GenerateStringKey: string;
      PasswordLength: number;
    };
    expect(JSON.parse(generated.SecretStringTemplate)).toEqual({ username: 'tickstream' });
    expect(generated.GenerateStringKey).toBe('password');
    expect(generated.PasswordLength).toBeGreaterThanOrEqual(32);
    // The CA secret holds a public certificate only, and starts empty: the broker's first boot writes it.
    expect(JSON.parse(resourceById(template(), 'KafkaCaSecret').Properties.SecretString as string)).toEqual({
      certificate: '',
    });
  });

  it("waits for the broker's bootstrap to signal that TLS, the SCRAM user and the topic are ready", () => {
    const broker = resourceById(template(), 'KafkaBroker');
    expect(broker.CreationPolicy).toEqual({ ResourceSignal: { Count: 1, Timeout: 'PT25M' } });
    const userData = expandedUserData(hostOf().UserData);
    expect(userData).toContain("export KAFKA_PORT='9096'");
    for (const reference of ['KafkaClientSecret', 'KafkaCaSecret', 'AWS::StackName'])
      expect(userData).toContain(`"Ref":"${reference}"`);
    expect(userData).toContain('listener.name.sasl_ssl.scram-sha-512.sasl.jaas.config');
    // The mapping reads the CA only once the broker stored it: it depends on the parameter that references every
    // broker, so CloudFormation creates it after their signals.
    expect(resourceById(template(), 'LandTicksEventSourceMappingKafkaStockticks').DependsOn).toContain(
      'KafkaBrokersReady',
    );
    expect(JSON.stringify(resourceById(template(), 'KafkaBrokersReady').Properties.Value)).toContain(
      '{"Ref":"KafkaBroker"}',
    );
  });

  it('points the mapping and the producers at the in-stack broker, subnets and security group', () => {
    const mapping = resourceById(template(), 'LandTicksEventSourceMappingKafkaStockticks').Properties;
    const text = JSON.stringify(mapping);
    for (const reference of [
      stage === 'dev' ? '"KafkaBroker","PrivateIp"' : '"Fn::Cidr"',
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

  it('reaches S3 through a gateway endpoint and the pollers reach Lambda and STS through the NAT gateway (prod) or instance (dev)', () => {
    expect(resourceById(template(), 'S3GatewayEndpoint').Properties.VpcEndpointType).toBe('Gateway');
    // The private subnets' default route leads to the NAT gateway (or dev's NAT instance), which sits in the
    // public subnet, whose own default route leads to the internet gateway.
    const nat =
      stage === 'dev' ? { InstanceId: { Ref: 'NatInstance' } } : { NatGatewayId: { Ref: 'NatGateway' } };
    expect(resourceById(template(), 'PrivateDefaultRoute').Properties).toEqual({
      RouteTableId: { Ref: 'PrivateRouteTable' },
      DestinationCidrBlock: '0.0.0.0/0',
      ...nat,
    });
    if (stage === 'dev') {
      const instance = resourceById(template(), 'NatInstance').Properties;
      expect(instance.SourceDestCheck).toBe(false);
      expect(instance.NetworkInterfaces).toEqual([
        {
          DeviceIndex: '0',
          SubnetId: { Ref: 'PublicSubnet' },
          AssociatePublicIpAddress: true,
          GroupSet: [{ Ref: 'NatInstanceSecurityGroup' }],
        },
      ]);
      expect(instance.InstanceType).toBe('t4g.nano');
      const launch = resourceById(template(), 'NatInstanceLaunchTemplate').Properties.LaunchTemplateData as {
        MetadataOptions: unknown;
      };
      expect(launch.MetadataOptions).toMatchObject({ HttpTokens: 'required' });
      const userData = (instance.UserData as { 'Fn::Base64': string })['Fn::Base64'];
      expect(userData).toContain('net.ipv4.ip_forward=1');
      expect(userData).toMatch(/iptables -t nat -A POSTROUTING -o "\$OUT" -j MASQUERADE/);
      expect(template().Resources.NatGateway).toBeUndefined();
    } else {
      expect(resourceById(template(), 'NatGateway').Properties.SubnetId).toEqual({ Ref: 'PublicSubnet' });
      expect(template().Resources.NatInstance).toBeUndefined();
    }
    expect(resourceById(template(), 'PublicDefaultRoute').Properties).toMatchObject({
      RouteTableId: { Ref: 'PublicRouteTable' },
      DestinationCidrBlock: '0.0.0.0/0',
      GatewayId: { Ref: 'InternetGateway' },
    });
    expect(template().Resources.LambdaEndpoint).toBeUndefined();
  });

  it('retains the data bucket in prod only, with lifecycle rules', () => {
    const bucket = resourceById(template(), 'DataBucket');
    expect(bucket.DeletionPolicy).toBe(stage === 'prod' ? 'Retain' : 'Delete');
    // No Standard-IA transition: S3 does not transition objects under 128 KB, and landed objects are ~30 KB.
    expect(JSON.stringify(bucket.Properties.LifecycleConfiguration)).not.toContain('STANDARD_IA');
    expect(JSON.stringify(bucket.Properties.LifecycleConfiguration)).toContain(
      '"Prefix":"quarantine/stock_ticks/"',
    );
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
    expect(text).toContain('10.9.0.10:9096,10.9.1.10:9096');
    expect(text).toContain('subnet-0aaa1111bbbb2222c,subnet-0ccc3333dddd4444e');
    expect(text).toContain('sg-0fff5555aaaa6666b');
    expect(templates.byo.Conditions).toMatchObject({
      CreateBroker: { 'Fn::Equals': ['10.9.0.10:9096,10.9.1.10:9096', ''] },
    });
  });

  it("creates no Kafka secrets, and trusts Node's CAs when no kafkaCaSecretArn is given", () => {
    expect(resourcesOfType(template(), 'AWS::SecretsManager::Secret')).toEqual([]);
    // The same template with kafkaCaSecretArn left empty: the HasOwnBrokerCa condition is then false.
    const publicCa = createdResources({
      ...templates.byo,
      Conditions: { ...templates.byo.Conditions, HasOwnBrokerCa: { 'Fn::Equals': ['', 'x'] } },
    });
    const access = resourceById(publicCa, 'LandTicksEventSourceMappingKafkaStockticks').Properties
      .SourceAccessConfigurations as { Type: string }[];
    expect(access.map((item) => item.Type)).toEqual([
      'SASL_SCRAM_256_AUTH',
      'VPC_SUBNET',
      'VPC_SUBNET',
      'VPC_SECURITY_GROUP',
    ]);
    expect(secretsManagerStatements(publicCa).ProduceTicksRole).toEqual([
      { Action: 'secretsmanager:GetSecretValue', Resource: [BYO_SASL_SECRET_ARN] },
    ]);
  });
});

describe('the endpoints egress mode (kafkaPollerEgress: endpoints)', () => {
  const template = () => created.endpoints;

  it('has no NAT gateway, and an interface endpoint for each service the pollers, producers and broker call', () => {
    expect(resourcesOfType(template(), 'AWS::EC2::NatGateway')).toEqual([]);
    const services = resourcesOfType(template(), 'AWS::EC2::VPCEndpoint')
      .filter(([, endpoint]) => endpoint.Properties.VpcEndpointType === 'Interface')
      .map(([, endpoint]) => {
        expect(endpoint.Properties.PrivateDnsEnabled).toBe(true);
        return (endpoint.Properties.ServiceName as { 'Fn::Sub': string })['Fn::Sub'].split('.').pop();
      });
    expect(services.sort()).toEqual(
      ['cloudformation', 'ec2messages', 'lambda', 'secretsmanager', 'ssm', 'ssmmessages', 'sts'].sort(),
    );
  });

  it('lets the broker read the S3 copy of Kafka and its checksum, and nothing else in S3', () => {
    const statements = roleStatements(resourceById(template(), 'KafkaBrokerRole'));
    const s3 = statements.filter((statement) => JSON.stringify(statement.Action).includes('s3:'));
    // bucket/key of the s3:// URL: what follows its scheme.
    const object = { 'Fn::Select': [1, { 'Fn::Split': ['s3://', DISTRIBUTION_COPY] }] };
    expect(s3).toEqual([
      expect.objectContaining({
        Action: 's3:GetObject',
        Resource: [
          { 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':s3:::', object]] },
          { 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':s3:::', object, '.sha512']] },
        ],
      }),
    ]);
    expect(DISTRIBUTION_COPY.split('s3://')[1]).toBe(
      'tickstream-artifacts-123456789012/kafka/kafka_2.13-3.9.2.tgz',
    );
    // From the internet (the NAT egress), the broker's role has no S3 access at all.
    expect(JSON.stringify(roleStatements(resourceById(created.dev, 'KafkaBrokerRole')))).not.toContain('s3:');
  });

  it('creates the broker after the endpoints its bootstrap calls (and, with NAT, after the NAT route)', () => {
    const tags = (id: 'dev' | 'endpoints') =>
      resourceById(created[id], 'KafkaBroker').Properties.Tags as { Key: string; Value: unknown }[];
    expect(tags('endpoints').map((tag) => tag.Value)).toEqual([
      { Ref: 'SecretsManagerEndpoint' },
      { Ref: 'CloudFormationEndpoint' },
    ]);
    expect(tags('dev').map((tag) => tag.Value)).toEqual([
      { Ref: 'PrivateDefaultRoute' },
      { Ref: 'PrivateDefaultRoute' },
    ]);
    expect(resourceById(created.dev, 'KafkaBroker').DependsOn).toEqual([
      'PrivateSubnetARouteTable',
      'S3GatewayEndpoint',
      'KafkaBrokerAddressesReserved',
    ]);
  });
});
