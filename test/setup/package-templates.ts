import { mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { TEST_TEMPLATES_VARIABLE } from '../support/env';
import {
  AV_KEY_SECRET_ARN,
  BYO_CA_SECRET_ARN,
  BYO_SASL_SECRET_ARN,
  DISTRIBUTION_COPY,
  PINNED_BROKER_IMAGE,
  packageTemplate,
} from '../support/template';

/**
 * Packages each stage once for every template test (one at a time: serverless-esbuild shares a build folder)
 * and leaves the templates as JSON files for the test files to read.
 */
export default async function setup(): Promise<void> {
  const dir = resolve(__dirname, '..', '..', '.cache', 'test-templates');
  mkdirSync(dir, { recursive: true });
  const variants = {
    dev: () => packageTemplate('dev'),
    prod: () => packageTemplate('prod'),
    // Bring your own broker: no EC2 host, no VPC; the functions and the mapping use the given network and
    // sign in with the given secret (SCRAM-SHA-256 here) and private CA.
    byo: () =>
      packageTemplate('dev', {
        kafkaBootstrapServers: '10.9.0.10:9096,10.9.1.10:9096',
        kafkaSubnetIds: 'subnet-0aaa1111bbbb2222c,subnet-0ccc3333dddd4444e',
        kafkaSecurityGroupId: 'sg-0fff5555aaaa6666b',
        kafkaSaslSecretArn: BYO_SASL_SECRET_ARN,
        kafkaSaslMechanism: 'SCRAM-SHA-256',
        kafkaCaSecretArn: BYO_CA_SECRET_ARN,
      }),
    // No NAT gateway: interface endpoints for what the pollers, producers and broker call.
    // (and so Kafka from an S3 copy of the Apache distribution, as deploying.md says).
    endpoints: () =>
      packageTemplate('dev', {
        kafkaPollerEgress: 'endpoints',
        kafkaDistributionUrl: DISTRIBUTION_COPY,
      }),
    // Real market data: the producers read the Alpha Vantage key from the secret the param names.
    alphavantage: () =>
      packageTemplate('dev', { marketSource: 'alphavantage', alphaVantageKeySecretArn: AV_KEY_SECRET_ARN }),
    // The same on a premium key with delayed quotes.
    alphavantagePremium: () =>
      packageTemplate('dev', {
        marketSource: 'alphavantage',
        alphaVantageKeySecretArn: AV_KEY_SECRET_ARN,
        alphaVantagePlan: 'premium',
        alphaVantageEntitlement: 'delayed',
      }),
    // Prod with egress that survives a lost zone (a NAT gateway per zone) and its brokers' image pinned.
    zones: () => packageTemplate('prod', { natMode: 'gatewayPerZone', brokerImageId: PINNED_BROKER_IMAGE }),
    // Prod replacing broker 2: a new launch template version at its other address.
    replacing: () => packageTemplate('prod', { broker2LaunchTemplateVersion: '2', broker2AddressSlot: '1' }),
    // Another data layout: every user of the landing prefixes must follow serverless.yml's custom.data.
    layout: () =>
      packageTemplate('dev', {
        rawRoot: 'landing',
        quarantineRoot: 'rejected',
        columnarRoot: 'refined',
        archiveRoot: 'moved',
      }),
  };
  for (const [name, build] of Object.entries(variants)) {
    writeFileSync(join(dir, `${name}.json`), JSON.stringify(await build()));
  }
  process.env[TEST_TEMPLATES_VARIABLE] = dir;
}
