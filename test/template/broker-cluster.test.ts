/**
 * The broker count (param brokerCount): dev runs one broker, prod three (a KRaft quorum of three in three
 * availability zones, every partition on three brokers, writes acknowledged by two). Checked on the packaged
 * templates as CloudFormation would create them.
 */
import { gunzipSync } from 'node:zlib';
import { describe, expect, it } from '@jest/globals';
import {
  type CfnTemplate,
  createdResources,
  expandedUserData,
  inCidr,
  literalValue,
  PINNED_BROKER_IMAGE,
  PROD_BROKER_ADDRESSES,
  packagedTemplates,
  resourceById,
  resourcesOfType,
} from '../support/template';

const templates = packagedTemplates();
const created = { dev: createdResources(templates.dev), prod: createdResources(templates.prod) };

/** The parts the broker's UserData joins, evaluated where they are literals (references stay objects). */
function userDataParts(template: CfnTemplate): unknown[] {
  const data = resourceById(template, 'KafkaBrokerLaunchTemplate').Properties.LaunchTemplateData as {
    UserData: { 'Fn::Base64': { 'Fn::Join': [string, unknown[]] } };
  };
  return data.UserData['Fn::Base64']['Fn::Join'][1].map(literalValue);
}

/** The `export NAME='value'` lines the broker's UserData sets, evaluated where they are literals. */
function userDataVariables(template: CfnTemplate): Record<string, string> {
  const parts = userDataParts(template);
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
      // Both addresses of every broker: node 1-3 at the first, 4-6 at the second (a replacement's).
      KAFKA_CONTROLLER_QUORUM_VOTERS:
        '1@10.42.0.12:9093,2@10.42.1.12:9093,3@10.42.3.12:9093,4@10.42.0.14:9093,5@10.42.1.14:9093,6@10.42.3.14:9093',
      KAFKA_CONTROLLER_PORT: '9093',
      KAFKA_REPLICATION_FACTOR: '3',
      KAFKA_MIN_INSYNC_REPLICAS: '2',
      KAFKA_PORT: '9096',
      KAFKA_CLUSTER_SECRET_ID: '<ref>',
    });
    // The brokers run at the first three (every address slot 0 by default).
    const voterIps = variables.KAFKA_CONTROLLER_QUORUM_VOTERS?.split(',').map(
      (voter) => voter.split(/[@:]/)[1],
    );
    expect(voterIps?.slice(0, 3)).toEqual(
      brokers.map((id) => literalValue(resourceById(template, id).Properties.PrivateIpAddress)),
    );
    const userData = expandedUserData(
      (
        resourceById(template, 'KafkaBrokerLaunchTemplate').Properties.LaunchTemplateData as {
          UserData: unknown;
        }
      ).UserData,
    );
    expect(userData).toContain('"Ref":"KafkaClusterSecret"');
    expect(userData).toContain('unclean.leader.election.enable=false');
  });

  it('lists both addresses of every broker, fixed, in the mapping’s bootstrap servers and the producers’ KAFKA_BROKERS, and creates them after every broker', () => {
    const both = PROD_BROKER_ADDRESSES;
    const mapping = resourceById(template, 'LandTicksEventSourceMappingKafkaStockticks');
    const endpoints = (
      mapping.Properties as { SelfManagedEventSource: { Endpoints: { KafkaBootstrapServers: unknown } } }
    ).SelfManagedEventSource.Endpoints.KafkaBootstrapServers;
    expect(literalValue(endpoints)).toEqual(both);
    // Whatever address a broker runs at, and whichever replaces it, the list is the same: no broker instance in it.
    expect(JSON.stringify(endpoints)).not.toContain('KafkaBroker');
    for (const fn of ['ProduceTicksLambdaFunction', 'BackfillHistoryLambdaFunction']) {
      const variables = (
        resourceById(template, fn).Properties.Environment as { Variables: Record<string, unknown> }
      ).Variables;
      expect(literalValue(variables.KAFKA_BROKERS)).toEqual(both.join(','));
      expect(resourceById(template, fn).DependsOn).toContain('KafkaBrokersReady');
    }
    expect(mapping.DependsOn).toContain('KafkaBrokersReady');
    expect(resourceById(template, 'KafkaBrokersReady').Properties.Value).toEqual({
      'Fn::Join': [',', brokers.map((id) => ({ Ref: id }))],
    });
  });

  it('moves a broker to its other address with its address slot: the node id of that slot, inside its reserved block', () => {
    const moved = createdResources(templates.replacing);
    const broker2 = resourceById(moved, 'KafkaBroker2').Properties;
    expect(literalValue(broker2.PrivateIpAddress)).toBe('10.42.1.14');
    expect(
      inCidr(
        '10.42.1.14',
        literalValue(resourceById(moved, 'KafkaBroker2AddressReservation').Properties.Cidr) as string,
      ),
    ).toBe(true);
    expect((broker2.LaunchTemplate as { Version: unknown }).Version).toBe('2');
    // The others stay where they are, and every list of addresses is the same as before.
    expect(literalValue(resourceById(moved, 'KafkaBroker').Properties.PrivateIpAddress)).toBe('10.42.0.12');
    expect(literalValue(resourceById(moved, 'KafkaBroker3').Properties.PrivateIpAddress)).toBe('10.42.3.12');
    const mappingOf = (stage: CfnTemplate) =>
      resourceById(stage, 'LandTicksEventSourceMappingKafkaStockticks').Properties.SelfManagedEventSource;
    expect(mappingOf(moved)).toEqual(mappingOf(template));
    expect(userDataVariables(moved).KAFKA_CONTROLLER_QUORUM_VOTERS).toBe(
      userDataVariables(template).KAFKA_CONTROLLER_QUORUM_VOTERS,
    );
    // The node at 10.42.1.14 is node 5 in the voters list every broker carries.
    expect(userDataVariables(moved).KAFKA_CONTROLLER_QUORUM_VOTERS).toContain('5@10.42.1.14:9093');
  });

  it("reserves each broker's address block for explicit assignment before anything else takes addresses in its subnet", () => {
    const reservations = brokers.map((id) => {
      const broker = resourceById(template, id).Properties;
      const reservation = resourceById(template, `${id}AddressReservation`).Properties;
      const block = literalValue(reservation.Cidr) as string;
      return {
        subnet: reservation.SubnetId,
        sameSubnet: JSON.stringify(reservation.SubnetId) === JSON.stringify(broker.SubnetId),
        type: reservation.ReservationType,
        block,
        holdsBrokerAddress: inCidr(literalValue(broker.PrivateIpAddress) as string, block),
      };
    });
    expect(reservations).toEqual([
      {
        subnet: { Ref: 'PrivateSubnetA' },
        sameSubnet: true,
        type: 'explicit',
        block: '10.42.0.12/30',
        holdsBrokerAddress: true,
      },
      {
        subnet: { Ref: 'PrivateSubnetB' },
        sameSubnet: true,
        type: 'explicit',
        block: '10.42.1.12/30',
        holdsBrokerAddress: true,
      },
      {
        subnet: { Ref: 'PrivateSubnetC' },
        sameSubnet: true,
        type: 'explicit',
        block: '10.42.3.12/30',
        holdsBrokerAddress: true,
      },
    ]);
    // The parameter everything that takes addresses there waits for references every reservation.
    expect(resourceById(template, 'KafkaBrokerAddressesReserved').Properties.Value).toEqual({
      'Fn::Join': [',', brokers.map((id) => ({ Ref: `${id}AddressReservation` }))],
    });
    const waitingForIt = Object.entries(template.Resources)
      .filter(([, resource]) =>
        ([] as unknown[]).concat(resource.DependsOn ?? []).includes('KafkaBrokerAddressesReserved'),
      )
      .map(([id]) => id)
      .sort();
    expect(waitingForIt).toEqual(
      [
        ...brokers,
        'BackfillHistoryLambdaFunction',
        'LandTicksEventSourceMappingKafkaStockticks',
        'ProduceTicksLambdaFunction',
      ].sort(),
    );
    // With interface endpoints (dev here), each endpoint too; the reservations exist only with three brokers.
    const endpoints = resourcesOfType(createdResources(templates.endpoints), 'AWS::EC2::VPCEndpoint').filter(
      ([, resource]) => resource.Properties.VpcEndpointType === 'Interface',
    );
    expect(endpoints.length).toBeGreaterThan(0);
    for (const [, endpoint] of endpoints)
      expect(endpoint.DependsOn).toEqual(['KafkaBrokerAddressesReserved']);
    expect(resourcesOfType(created.dev, 'AWS::EC2::SubnetCidrReservation')).toEqual([]);
  });

  it("runs the producers and the mapping's pollers in all three subnets, so a lost zone leaves them two", () => {
    const subnetsOf = (stage: CfnTemplate) => ({
      producers: ['ProduceTicksLambdaFunction', 'BackfillHistoryLambdaFunction'].map(
        (id) => (resourceById(stage, id).Properties.VpcConfig as { SubnetIds: unknown[] }).SubnetIds,
      ),
      pollers: (
        resourceById(stage, 'LandTicksEventSourceMappingKafkaStockticks').Properties
          .SourceAccessConfigurations as { Type: string; URI: unknown }[]
      )
        .filter((access) => access.Type === 'VPC_SUBNET')
        .map((access) => access.URI),
    });
    const subnetUri = (subnet: string) => ({ 'Fn::Join': ['', ['subnet:', { Ref: subnet }]] });
    const three = ['PrivateSubnetA', 'PrivateSubnetB', 'PrivateSubnetC'];
    expect(subnetsOf(template)).toEqual({
      producers: [three.map((Ref) => ({ Ref })), three.map((Ref) => ({ Ref }))],
      pollers: three.map(subnetUri),
    });
    // One broker: the two subnets dev has.
    expect(subnetsOf(created.dev).pollers).toEqual(['PrivateSubnetA', 'PrivateSubnetB'].map(subnetUri));
  });

  it('natMode gatewayPerZone: each private subnet leaves through a NAT gateway in its own zone', () => {
    const zoned = createdResources(templates.zones);
    const zoneOf = (subnet: string) => resourceById(zoned, subnet).Properties.AvailabilityZone;
    const routes = ['A', 'B', 'C'].map((zone) => {
      const association = resourceById(zoned, `PrivateSubnet${zone}RouteTable`).Properties;
      const table = (association.RouteTableId as { Ref: string }).Ref;
      const routesOut = resourcesOfType(zoned, 'AWS::EC2::Route').filter(
        ([, candidate]) => (candidate.Properties.RouteTableId as { Ref: string }).Ref === table,
      );
      const gateway =
        routesOut.map(([, route]) => (route.Properties.NatGatewayId as { Ref: string }).Ref)[0] ?? '';
      const natSubnet = (resourceById(zoned, gateway).Properties.SubnetId as { Ref: string }).Ref;
      return {
        sameZone: JSON.stringify(zoneOf(natSubnet)) === JSON.stringify(zoneOf(`PrivateSubnet${zone}`)),
        gateway,
      };
    });
    expect(routes).toEqual([
      { sameZone: true, gateway: 'NatGateway' },
      { sameZone: true, gateway: 'NatGatewayB' },
      { sameZone: true, gateway: 'NatGatewayC' },
    ]);
    // The S3 gateway endpoint serves every private route table.
    expect(resourceById(zoned, 'S3GatewayEndpoint').Properties.RouteTableIds).toEqual([
      { Ref: 'PrivateRouteTable' },
      { Ref: 'PrivateRouteTableB' },
      { Ref: 'PrivateRouteTableC' },
    ]);
    // The default: one NAT gateway for every zone.
    expect(resourcesOfType(template, 'AWS::EC2::NatGateway').map(([id]) => id)).toEqual(['NatGateway']);
  });

  it('launches the brokers from brokerImageId: the latest Amazon Linux 2023 by default, an AMI id when pinned', () => {
    const imageOf = (stage: CfnTemplate) =>
      (resourceById(stage, 'KafkaBrokerLaunchTemplate').Properties.LaunchTemplateData as { ImageId: unknown })
        .ImageId;
    expect(imageOf(template)).toBe(
      '{{resolve:ssm:/aws/service/ami-amazon-linux-latest/al2023-ami-kernel-default-arm64}}',
    );
    expect(imageOf(templates.zones)).toBe(PINNED_BROKER_IMAGE);
  });

  it("publishes the broker count and each broker's launch template version as literal outputs, which the deploy guard compares", () => {
    const outputs = (stage: CfnTemplate) =>
      Object.fromEntries(
        Object.entries(stage.Outputs ?? {})
          .filter(([key]) => /^KafkaBroker(Count|\d?LaunchTemplateVersionInUse)$/.test(key))
          .filter(([, output]) => {
            const condition = (output as { Condition?: string }).Condition;
            return condition !== 'ThreeBrokers' || stage === templates.prod;
          })
          .map(([key, output]) => [key, (output as { Value: unknown }).Value]),
      );
    expect(outputs(templates.prod)).toEqual({
      KafkaBrokerCount: '3',
      KafkaBrokerLaunchTemplateVersionInUse: '1',
      KafkaBroker2LaunchTemplateVersionInUse: '1',
      KafkaBroker3LaunchTemplateVersionInUse: '1',
    });
    expect(outputs(templates.dev)).toEqual({
      KafkaBrokerCount: '1',
      KafkaBrokerLaunchTemplateVersionInUse: '1',
    });
  });

  it("fits the bootstrap and the health check in EC2's 16 KB of user data, unpacking to exactly the scripts the integration tests run", () => {
    const { runnableBootstrap, runnableHealth } = require('../../resources/kafka-broker-user-data.js') as {
      runnableBootstrap(): string;
      runnableHealth(): string;
    };
    const parts = userDataParts(template);
    // Each reference as long as an ARN can be (a secret's: 2,048 is its limit, ~100 here), counted at 200.
    const size = parts.reduce<number>(
      (sum, part) => sum + (typeof part === 'string' ? Buffer.byteLength(part) : 200),
      0,
    );
    expect(size).toBeLessThanOrEqual(16 * 1024);
    const text = parts.map((part) => (typeof part === 'string' ? part : '<ref>')).join('');
    const packed =
      /echo '([A-Za-z0-9+/=]+)' \| base64 -d \| gunzip > \/opt\/kafka-bootstrap.sh\nbash \/opt\/kafka-bootstrap.sh/.exec(
        text,
      )?.[1];
    expect(gunzipSync(Buffer.from(packed ?? '', 'base64')).toString('utf8')).toBe(runnableBootstrap());
    // The health check beside it, for operators and runbooks.
    const health = /echo '([A-Za-z0-9+/=]+)' \| base64 -d \| gunzip > \/opt\/kafka-health.sh\n/.exec(
      text,
    )?.[1];
    expect(gunzipSync(Buffer.from(health ?? '', 'base64')).toString('utf8')).toBe(runnableHealth());
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
