import { describe, expect, it } from '@jest/globals';

type Hook = () => Promise<void>;
// A plain CommonJS Serverless plugin (osls loads it with require).
const BrokerChangeGuard = require('../../../local/stack/broker-change-guard.js') as (new (
  serverless: unknown,
  options: { stage?: string },
) => { hooks: Record<string, Hook> }) & {
  brokerChangeRefusal(
    stage: string,
    deployed: Record<string, string>,
    next: Record<string, unknown>,
  ): string | undefined;
};

const HOOK = 'before:aws:deploy:deploy:checkForChanges';

/** A deployed prod stage's outputs: three brokers, each on launch template version 4 at its first address. */
const PROD = {
  KafkaBrokerCount: '3',
  KafkaBrokerLaunchTemplateVersionInUse: '4',
  KafkaBroker2LaunchTemplateVersionInUse: '4',
  KafkaBroker3LaunchTemplateVersionInUse: '4',
  KafkaBrokerAddressSlotInUse: '0',
  KafkaBroker2AddressSlotInUse: '0',
  KafkaBroker3AddressSlotInUse: '0',
  KafkaBootstrapServers: '10.42.0.12:9096,10.42.1.12:9096,10.42.3.12:9096',
};

/**
 * The slice of the Serverless instance the guard reads: the packaged template's outputs and an AWS provider whose
 * describeStacks answers with `stack` (or fails as CloudFormation does for a stack that does not exist).
 */
function fakeServerless(stack: Record<string, string> | undefined, next: Record<string, unknown>) {
  const requests: unknown[] = [];
  return {
    requests,
    serverless: {
      service: {
        provider: {
          stage: 'prod',
          compiledCloudFormationTemplate: {
            Outputs: Object.fromEntries(Object.entries(next).map(([key, Value]) => [key, { Value }])),
          },
        },
      },
      classes: { Error },
      getProvider: () => ({
        naming: { getStackName: () => 'tickstream-prod' },
        request: async (service: string, method: string, params: unknown) => {
          requests.push([service, method, params]);
          if (stack === undefined) throw new Error('Stack with id tickstream-prod does not exist');
          return {
            Stacks: [
              {
                Outputs: Object.entries(stack).map(([OutputKey, OutputValue]) => ({
                  OutputKey,
                  OutputValue,
                })),
              },
            ],
          };
        },
      }),
    },
  };
}

const deploy = async (stack: Record<string, string> | undefined, next: Record<string, unknown>) => {
  const fake = fakeServerless(stack, next);
  const guard = new BrokerChangeGuard(fake.serverless, {});
  const hook = guard.hooks[HOOK] as Hook;
  return {
    outcome: hook().then(
      () => 'deployed',
      (error: Error) => error.message,
    ),
    requests: fake.requests,
  };
};

describe('the deploy guard on broker changes', () => {
  it('refuses a change of the broker count before CloudFormation is asked anything else, naming the procedure', async () => {
    const { outcome, requests } = await deploy(
      { KafkaBrokerCount: '1', KafkaBrokerLaunchTemplateVersionInUse: '1' },
      { KafkaBrokerCount: '3', KafkaBrokerLaunchTemplateVersionInUse: '1' },
    );
    expect(await outcome).toBe(
      'stage "prod" runs 1 broker(s) and this deploy would make it 3: a stage\'s broker count is chosen when it is created and is not changed by a deploy (CloudFormation would launch the new brokers from a launch template version written for 1 and roll back after 25 minutes). Nothing was changed; see docs/deploying.md, "Changing the broker count"',
    );
    expect(requests).toEqual([['CloudFormation', 'describeStacks', { StackName: 'tickstream-prod' }]]);
  });

  it('refuses replacing two brokers in one deploy', async () => {
    const { outcome } = await deploy(PROD, {
      ...PROD,
      KafkaBrokerLaunchTemplateVersionInUse: '5',
      KafkaBrokerAddressSlotInUse: '1',
      KafkaBroker3AddressSlotInUse: '1',
    });
    expect(await outcome).toBe(
      'this deploy replaces broker 1 (4 → 5) and broker 3: one broker at a time, each once the cluster is back to three in-sync replicas. Nothing was changed; see docs/deploying.md, "Replacing a broker"',
    );
  });

  it('refuses a new version at the address the broker uses, naming the param that moves it to its other one', async () => {
    const { outcome } = await deploy(
      { ...PROD, KafkaBroker2AddressSlotInUse: '1' },
      { ...PROD, KafkaBroker2AddressSlotInUse: '1', KafkaBroker2LaunchTemplateVersionInUse: '5' },
    );
    expect(await outcome).toBe(
      'this deploy moves broker 2 to launch template version 5 at the address it is using: CloudFormation creates the new instance before it deletes the old one, so it must start at the broker\'s other address; deploy with --param="broker2AddressSlot=0" too. Nothing was changed; see docs/deploying.md, "Replacing a broker"',
    );
  });

  it('lets one broker move (a new version at its other address, or only the address), nothing move, and a new stage deploy', async () => {
    expect(
      await (
        await deploy(PROD, {
          ...PROD,
          KafkaBroker2LaunchTemplateVersionInUse: '5',
          KafkaBroker2AddressSlotInUse: '1',
        })
      ).outcome,
    ).toBe('deployed');
    expect(await (await deploy(PROD, { ...PROD, KafkaBroker3AddressSlotInUse: '1' })).outcome).toBe(
      'deployed',
    );
    // One broker (dev): no address slots; its instance is replaced in place (docs/deploying.md, "Upgrading a stage").
    expect(
      await (
        await deploy(
          { KafkaBrokerCount: '1', KafkaBrokerLaunchTemplateVersionInUse: '1' },
          { KafkaBrokerCount: '1', KafkaBrokerLaunchTemplateVersionInUse: '2' },
        )
      ).outcome,
    ).toBe('deployed');
    expect(await (await deploy(PROD, PROD)).outcome).toBe('deployed');
    expect(await (await deploy(undefined, PROD)).outcome).toBe('deployed');
  });

  it('leaves a stage without brokers of its own alone, and compares only literal values', () => {
    // A broker of your own: no count or version outputs on either side.
    expect(
      BrokerChangeGuard.brokerChangeRefusal('dev', { KafkaBootstrapServers: 'b:9096' }, {}),
    ).toBeUndefined();
    // An output the template computes (a GetAtt) is not a value to compare.
    expect(
      BrokerChangeGuard.brokerChangeRefusal('prod', PROD, {
        ...PROD,
        KafkaBrokerCount: { 'Fn::GetAtt': ['X', 'Y'] },
      }),
    ).toBeUndefined();
  });

  it('passes on any other failure of CloudFormation rather than deploying blind', async () => {
    const fake = fakeServerless(PROD, PROD);
    fake.serverless.getProvider = () => ({
      naming: { getStackName: () => 'tickstream-prod' },
      request: async () => {
        throw new Error('User is not authorized to perform: cloudformation:DescribeStacks');
      },
    });
    const guard = new BrokerChangeGuard(fake.serverless, {});
    await expect((guard.hooks[HOOK] as Hook)()).rejects.toThrow('not authorized');
  });
});
