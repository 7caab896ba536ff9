/**
 * A Serverless plugin that refuses, before CloudFormation changes anything, a deploy that would change a stage's
 * broker count, replace more than one broker, or move a broker to another launch template version at the address
 * it is using. Each fails late and badly when left to CloudFormation: a count change launches brokers from a
 * launch template version written for the old count (their bootstraps time out after 25 minutes and the update
 * rolls back); two brokers replaced in one update leave one partition copy and no quorum majority while both are
 * out; a new instance cannot be created at an address its predecessor still holds. It compares the stack's outputs
 * as deployed (the count, each broker's version and address slot in use) with the packaged template's, so a stage
 * that does not exist yet, or has no brokers of its own, deploys as before.
 */

/** The broker count's output. */
const COUNT = 'KafkaBrokerCount';
/** Each broker's number, launch template version output and (three brokers) address slot output and param. */
const BROKERS = [
  {
    broker: 1,
    version: 'KafkaBrokerLaunchTemplateVersionInUse',
    slot: 'KafkaBrokerAddressSlotInUse',
    param: 'brokerAddressSlot',
  },
  {
    broker: 2,
    version: 'KafkaBroker2LaunchTemplateVersionInUse',
    slot: 'KafkaBroker2AddressSlotInUse',
    param: 'broker2AddressSlot',
  },
  {
    broker: 3,
    version: 'KafkaBroker3LaunchTemplateVersionInUse',
    slot: 'KafkaBroker3AddressSlotInUse',
    param: 'broker3AddressSlot',
  },
];

/**
 * Why a deploy must not go ahead, or undefined when it may: from the stack's deployed outputs and the new
 * template's literal output values (an output the template computes is not compared).
 *
 * @param {string} stage
 * @param {Record<string, string>} deployed the stack's outputs, by key
 * @param {Record<string, unknown>} next the packaged template's output values, by key
 * @returns {string | undefined}
 */
function brokerChangeRefusal(stage, deployed, next) {
  const before = deployed[COUNT];
  const after = next[COUNT];
  if (before !== undefined && typeof after === 'string' && before !== after)
    return `stage "${stage}" runs ${before} broker(s) and this deploy would make it ${after}: a stage's broker count is chosen when it is created and is not changed by a deploy (CloudFormation would launch the new brokers from a launch template version written for ${before} and roll back after 25 minutes). Nothing was changed; see docs/deploying.md, "Changing the broker count"`;
  /** @param {string} key */
  const changed = (key) =>
    deployed[key] !== undefined && typeof next[key] === 'string' && deployed[key] !== next[key];
  const replaced = BROKERS.filter(({ version, slot }) => changed(version) || changed(slot));
  if (replaced.length > 1)
    return `this deploy replaces ${replaced
      .map(
        ({ broker, version }) =>
          `broker ${broker}${changed(version) ? ` (${deployed[version]} → ${next[version]})` : ''}`,
      )
      .join(
        ' and ',
      )}: one broker at a time, each once the cluster is back to three in-sync replicas. Nothing was changed; see docs/deploying.md, "Replacing a broker"`;
  // Three brokers: a new version is a new instance, created before the old one is deleted, so at the broker's
  // other address (a fixed address still in use cannot be given to it).
  const sameAddress = replaced.find(
    ({ version, slot }) => changed(version) && deployed[slot] !== undefined && !changed(slot),
  );
  if (sameAddress !== undefined) {
    const other = deployed[sameAddress.slot] === '0' ? '1' : '0';
    return `this deploy moves broker ${sameAddress.broker} to launch template version ${next[sameAddress.version]} at the address it is using: CloudFormation creates the new instance before it deletes the old one, so it must start at the broker's other address; deploy with --param="${sameAddress.param}=${other}" too. Nothing was changed; see docs/deploying.md, "Replacing a broker"`;
  }
  return undefined;
}

class BrokerChangeGuard {
  /**
   * @param {{ service: { provider: { stage: string, compiledCloudFormationTemplate?: { Outputs?: Record<string, { Value: unknown }> } } }, classes: { Error: new (message: string) => Error }, getProvider(name: string): { naming: { getStackName(): string }, request(service: string, method: string, params: unknown): Promise<{ Stacks?: { Outputs?: { OutputKey?: string, OutputValue?: string }[] }[] }> } }} serverless
   * @param {{ stage?: string }} options
   */
  constructor(serverless, options) {
    this.hooks = {
      // Once the template is packaged, before CloudFormation is asked to change anything.
      'before:aws:deploy:deploy:checkForChanges': async () => {
        const stage = options.stage ?? serverless.service.provider.stage;
        const provider = serverless.getProvider('aws');
        const deployed = await deployedOutputs(provider, provider.naming.getStackName());
        const outputs = serverless.service.provider.compiledCloudFormationTemplate?.Outputs ?? {};
        const next = Object.fromEntries(Object.entries(outputs).map(([key, output]) => [key, output.Value]));
        const refusal = brokerChangeRefusal(stage, deployed, next);
        if (refusal !== undefined) throw new serverless.classes.Error(refusal);
      },
    };
  }
}

/**
 * The stack's outputs by key; none for a stack that does not exist yet.
 *
 * @param {{ request(service: string, method: string, params: unknown): Promise<{ Stacks?: { Outputs?: { OutputKey?: string, OutputValue?: string }[] }[] }> }} provider
 * @param {string} stackName
 * @returns {Promise<Record<string, string>>}
 */
async function deployedOutputs(provider, stackName) {
  let answer;
  try {
    answer = await provider.request('CloudFormation', 'describeStacks', { StackName: stackName });
  } catch (error) {
    if (/does not exist/.test(String(/** @type {Error} */ (error).message))) return {};
    throw error;
  }
  const outputs = answer.Stacks?.[0]?.Outputs ?? [];
  return Object.fromEntries(
    outputs
      .filter((output) => output.OutputKey !== undefined && output.OutputValue !== undefined)
      .map((output) => [output.OutputKey, output.OutputValue]),
  );
}

module.exports = BrokerChangeGuard;
module.exports.brokerChangeRefusal = brokerChangeRefusal;
