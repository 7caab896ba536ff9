/**
 * The broker count (param brokerCount): dev runs one broker, prod three (a KRaft quorum of three in three
 * availability zones, every partition on three brokers, writes acknowledged by two). Checked on the packaged
 * templates as CloudFormation would create them.
 */
import { describe, expect, it } from '@jest/globals';
import {
  type CfnTemplate,
  createdResources,
  inCidr,
  literalValue,
  packagedTemplates,
  resourceById,
  resourcesOfType,
} from '../support/template';

const templates = packagedTemplates();
const created = { dev: createdResources(templates.dev), prod: createdResources(templates.prod) };

/** The `export NAME='value'` lines the broker's UserData sets, evaluated where they are literals. */
function userDataVariables(template: CfnTemplate): Record<string, string> {
  const data = resourceById(template, 'KafkaBrokerLaunchTemplate').Properties.LaunchTemplateData as {
    UserData: { 'Fn::Base64': { 'Fn::Join': [string, unknown[]] } };
  };
  const parts = data.UserData['Fn::Base64']['Fn::Join'][1].map(literalValue);
  const text = parts.map((part) => (typeof part === 'string' ? part : '<ref>')).join('');
  return Object.fromEntries([...text.matchAll(/^export (\w+)='([^']*)'$/gm)].map((m) => [m[1], m[2]]));
}

const subnetCidr = (template: CfnTemplate, subnet: string) =>
  literalValue(resourceById(template, subnet).Properties.CidrBlock) as string;

describe('three brokers (prod)', () => {
  const template = created.prod;
  const brokers = ['KafkaBroker', 'KafkaBroker2', 'KafkaBroker3'];

  it('runs one broker in each of three private subnets of three availability zones, at fixed addresses', () => {
    const placement = brokers.map((id) => {
      const properties = resourceById(template, id).Properties;
      const subnet = (properties.SubnetId as { Ref: string }).Ref;
      const ip = literalValue(properties.PrivateIpAddress) as string;
      return {
        subnet,
        zone: resourceById(template, subnet).Properties.AvailabilityZone,
        ip,
        inSubnet: inCidr(ip, subnetCidr(template, subnet)),
      };
    });
    expect(placement).toEqual([
      {
        subnet: 'PrivateSubnetA',
        zone: { 'Fn::Select': [0, { 'Fn::GetAZs': '' }] },
        ip: '10.42.0.12',
        inSubnet: true,
      },
      {
        subnet: 'PrivateSubnetB',
        zone: { 'Fn::Select': [1, { 'Fn::GetAZs': '' }] },
        ip: '10.42.1.12',
        inSubnet: true,
      },
      {
        subnet: 'PrivateSubnetC',
        zone: { 'Fn::Select': [2, { 'Fn::GetAZs': '' }] },
        ip: '10.42.3.12',
        inSubnet: true,
      },
    ]);
    // The third subnet routes like the others (the bootstrap's egress) and overlaps no other subnet.
    expect(resourceById(template, 'PrivateSubnetCRouteTable').Properties).toEqual({
      SubnetId: { Ref: 'PrivateSubnetC' },
      RouteTableId: { Ref: 'PrivateRouteTable' },
    });
    const cidrs = resourcesOfType(template, 'AWS::EC2::Subnet').map(([, subnet]) =>
      literalValue(subnet.Properties.CidrBlock),
    );
    expect(new Set(cidrs).size).toBe(cidrs.length);
  });

  it('launches each broker from its own pinned template version and waits for each one’s signal', () => {
    expect(
      brokers.map((id) => {
        const broker = resourceById(template, id);
        return [(broker.Properties.LaunchTemplate as { Version: string }).Version, broker.CreationPolicy];
      }),
    ).toEqual(brokers.map(() => ['1', { ResourceSignal: { Count: 1, Timeout: 'PT25M' } }]));
  });

  it('gives every broker the quorum of three, replication factor 3, min.insync.replicas 2 and the cluster secret', () => {
    const variables = userDataVariables(template);
    expect(variables).toMatchObject({
      KAFKA_CONTROLLER_QUORUM_VOTERS: '1@10.42.0.12:9093,2@10.42.1.12:9093,3@10.42.3.12:9093',
      KAFKA_CONTROLLER_PORT: '9093',
      KAFKA_REPLICATION_FACTOR: '3',
      KAFKA_MIN_INSYNC_REPLICAS: '2',
      KAFKA_PORT: '9096',
      KAFKA_CLUSTER_SECRET_ID: '<ref>',
    });
    // The voters are the brokers' own addresses.
    const voterIps = variables.KAFKA_CONTROLLER_QUORUM_VOTERS?.split(',').map(
      (voter) => voter.split(/[@:]/)[1],
    );
    expect(voterIps).toEqual(
      brokers.map((id) => literalValue(resourceById(template, id).Properties.PrivateIpAddress)),
    );
    const userData = JSON.stringify(
      (
        resourceById(template, 'KafkaBrokerLaunchTemplate').Properties.LaunchTemplateData as {
          UserData: unknown;
        }
      ).UserData,
    );
    expect(userData).toContain('"Ref":"KafkaClusterSecret"');
    expect(userData).toContain('unclean.leader.election.enable=false');
  });

  it('lists every broker in the mapping’s bootstrap servers and the producers’ KAFKA_BROKERS', () => {
    const addresses = brokers.map((id) => ({
      'Fn::Join': ['', [{ 'Fn::GetAtt': [id, 'PrivateIp'] }, ':9096']],
    }));
    const mapping = resourceById(template, 'LandTicksEventSourceMappingKafkaStockticks').Properties as {
      SelfManagedEventSource: { Endpoints: { KafkaBootstrapServers: unknown } };
    };
    expect(mapping.SelfManagedEventSource.Endpoints.KafkaBootstrapServers).toEqual({
      'Fn::Split': [',', { 'Fn::Join': [',', addresses] }],
    });
    for (const fn of ['ProduceTicksLambdaFunction', 'BackfillHistoryLambdaFunction']) {
      const variables = (
        resourceById(template, fn).Properties.Environment as { Variables: Record<string, unknown> }
      ).Variables;
      expect(variables.KAFKA_BROKERS).toEqual({ 'Fn::Join': [',', addresses] });
    }
  });

  it('opens replication (9096) and the controller quorum (9093) between the brokers, both ways, and nothing more', () => {
    const between = (type: string) =>
      resourcesOfType(template, type)
        .map(([, rule]) => rule.Properties)
        .filter(
          (rule) =>
            (rule.SourceSecurityGroupId as { Ref?: string } | undefined)?.Ref ===
              'KafkaBrokerSecurityGroup' ||
            (rule.DestinationSecurityGroupId as { Ref?: string } | undefined)?.Ref ===
              'KafkaBrokerSecurityGroup',
        )
        .filter((rule) => (rule.GroupId as { Ref: string }).Ref === 'KafkaBrokerSecurityGroup')
        .map((rule) => [rule.FromPort, rule.ToPort]);
    expect(between('AWS::EC2::SecurityGroupIngress')).toEqual([
      [9096, 9096],
      [9093, 9093],
    ]);
    expect(between('AWS::EC2::SecurityGroupEgress')).toEqual([
      [9096, 9096],
      [9093, 9093],
    ]);
  });

  it('keeps the cluster secret (the CA key) from every role but the brokers’', () => {
    const readers = resourcesOfType(template, 'AWS::IAM::Role')
      .filter(([, role]) => JSON.stringify(role.Properties).includes('"Ref":"KafkaClusterSecret"'))
      .map(([id]) => id);
    expect(readers).toEqual(['KafkaBrokerRole']);
    expect(resourceById(template, 'KafkaClusterSecret').Properties.SecretString).toBe('{}');
  });
});

describe('one broker (dev)', () => {
  const template = created.dev;

  it('creates one broker and no third subnet, broker rules or fixed address (an existing broker is never replaced)', () => {
    expect(
      ['KafkaBroker2', 'KafkaBroker3', 'PrivateSubnetC', 'BrokerFromBrokers', 'ControllerToBrokers'].filter(
        (id) => template.Resources[id] !== undefined,
      ),
    ).toEqual([]);
    expect(resourceById(template, 'KafkaBroker').Properties.PrivateIpAddress).toBeUndefined();
  });

  it('runs its own quorum of one with one copy of each partition', () => {
    expect(userDataVariables(template)).toMatchObject({
      KAFKA_CONTROLLER_QUORUM_VOTERS: '',
      KAFKA_REPLICATION_FACTOR: '1',
      KAFKA_MIN_INSYNC_REPLICAS: '1',
    });
  });
});
