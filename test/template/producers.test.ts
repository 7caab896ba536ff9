import { describe, expect, it, jest } from '@jest/globals';
import type { Context } from 'aws-lambda';
import { createProduceTicks } from '../../functions/factories/produce-ticks';
import { resolveProfiles } from '../../lib/market/simulated/symbols';
import { loadProducerConfig } from '../../lib/produce/config';
import { ProduceTicksRequestSchema } from '../../lib/produce/produce-minute';
import { createLogger } from '../../lib/shared/observability';
import { applyInputTransformer, scheduledEvent } from '../../local/aws/schedules';
import { FIXTURE_API_KEY, serveAlphaVantageFixtures } from '../../local/pipeline/alphavantage-fixtures';
import {
  AV_KEY_SECRET_ARN,
  createdResources,
  literalValue,
  PROD_BROKER_ADDRESSES,
  packagedTemplates,
  resourceById,
  resourcesOfType,
  roleStatements,
} from '../support/template';

interface RuleTarget {
  Arn: { 'Fn::GetAtt'?: [string, string] };
  InputTransformer: { InputPathsMap: Record<string, string>; InputTemplate: string };
}

const templates = packagedTemplates();

describe.each(['dev', 'prod'] as const)('sls package --stage %s', (stage) => {
  const template = () => templates[stage as 'dev' | 'prod'];

  it('runs every function on Node.js 22 or newer', () => {
    const functions = resourcesOfType(template(), 'AWS::Lambda::Function');
    expect(functions.map(([id]) => id).sort()).toEqual([
      'BackfillHistoryLambdaFunction',
      'LandTicksLambdaFunction',
      'MoveTicksLambdaFunction',
      'PlanReportsLambdaFunction',
      'ProduceTicksLambdaFunction',
      'PublishReportsLambdaFunction',
      'WatchMarketLambdaFunction',
    ]);
    for (const [, fn] of functions) {
      expect(fn.Properties.Runtime).toMatch(/^nodejs(2[2-9]|[3-9]\d)\.x$/);
    }
  });

  it('schedules produceTicks every minute from two rules, each with its own valid symbol group', () => {
    const rules = resourcesOfType(template(), 'AWS::Events::Rule').filter(
      ([, rule]) =>
        (rule.Properties.Targets as RuleTarget[])[0]?.Arn['Fn::GetAtt']?.[0] === 'ProduceTicksLambdaFunction',
    );
    expect(rules.length).toBeGreaterThanOrEqual(2);
    const groups = rules.map(([, rule]) => {
      expect(rule.Properties.ScheduleExpression).toBe('rate(1 minute)');
      expect(rule.Properties.Name).toMatch(new RegExp(`^tickstream-${stage}-ticks-`));
      const target = (rule.Properties.Targets as RuleTarget[])[0] as RuleTarget;
      // The schedule's own time goes into the event, so a re-run of that event publishes the same minute.
      expect(target.InputTransformer.InputPathsMap).toEqual({ time: '$.time' });
      const input = applyInputTransformer(
        {
          inputPathsMap: target.InputTransformer.InputPathsMap,
          inputTemplate: target.InputTransformer.InputTemplate,
        },
        scheduledEvent({ time: new Date('2026-11-20T15:01:00Z'), ruleName: 'r' }),
      );
      const request = ProduceTicksRequestSchema.parse(input);
      expect(request.time).toBe('2026-11-20T15:01:00Z');
      expect(() => resolveProfiles(request.symbols)).not.toThrow();
      return request.symbols;
    });
    expect(new Set(groups.flat()).size).toBe(groups.flat().length);
  });

  it('gives the producers their Kafka and simulation settings', () => {
    const fn = resourceById(template(), 'ProduceTicksLambdaFunction');
    const variables = (fn.Properties.Environment as { Variables: Record<string, unknown> }).Variables;
    expect(variables).toMatchObject({ KAFKA_TOPIC: 'stock-ticks', STAGE: stage });
    // Every in-stack broker's private address, port 9096 (its SASL_SSL listener): three on prod, one on dev.
    const created = (
      resourceById(createdResources(template()), 'ProduceTicksLambdaFunction').Properties.Environment as {
        Variables: Record<string, unknown>;
      }
    ).Variables;
    // Prod: both reserved addresses of each of the three brokers, fixed (docs/deploying.md, "Addresses").
    expect(literalValue(created.KAFKA_BROKERS)).toEqual(
      stage === 'prod'
        ? PROD_BROKER_ADDRESSES.join(',')
        : { 'Fn::Join': ['', [{ 'Fn::GetAtt': ['KafkaBroker', 'PrivateIp'] }, ':9096']] },
    );
    expect(variables.SIMULATION_SEED).toEqual(stage === 'prod' ? 'tickstream-prod-v1' : 'tickstream-v1');
    expect(fn.Properties.Timeout).toBeGreaterThan(60);
  });

  it('lets the producers manage their VPC network interfaces as Lambda needs, DescribeSubnets included', () => {
    // What AWSLambdaVPCAccessExecutionRole grants today: Lambda checks the function's subnets with it.
    for (const role of ['ProduceTicksRole', 'BackfillHistoryRole']) {
      const networking = roleStatements(resourceById(template(), role)).find(
        (s) => s.Sid === 'VpcNetworking',
      );
      expect({ role, actions: networking?.Action }).toEqual({
        role,
        actions: expect.arrayContaining([
          'ec2:CreateNetworkInterface',
          'ec2:DescribeNetworkInterfaces',
          'ec2:DescribeSubnets',
          'ec2:DeleteNetworkInterface',
          'ec2:AssignPrivateIpAddresses',
          'ec2:UnassignPrivateIpAddresses',
        ]),
      });
    }
  });

  it('retries a failed minute twice within 10 minutes, then records it in an SQS queue that raises an alarm', () => {
    const template = templates[stage];
    expect(resourceById(template, 'ProduceTicksLambdaEvConf').Properties).toEqual({
      FunctionName: { Ref: 'ProduceTicksLambdaFunction' },
      Qualifier: '$LATEST',
      MaximumRetryAttempts: 2,
      MaximumEventAgeInSeconds: 600,
      DestinationConfig: {
        OnFailure: { Destination: { 'Fn::GetAtt': ['ProduceTicksFailureQueue', 'Arn'] } },
      },
    });
    expect(resourceById(template, 'ProduceTicksFailureQueue').Properties).toMatchObject({
      MessageRetentionPeriod: 1209600,
      SqsManagedSseEnabled: true,
    });
    const sends = roleStatements(resourceById(template, 'ProduceTicksRole')).filter((statement) =>
      [statement.Action].flat().includes('sqs:SendMessage'),
    );
    expect(sends).toEqual([
      expect.objectContaining({
        Effect: 'Allow',
        Resource: { 'Fn::GetAtt': ['ProduceTicksFailureQueue', 'Arn'] },
      }),
    ]);
    expect(resourceById(template, 'ProduceTicksFailedMinutesAlarm').Properties).toMatchObject({
      Namespace: 'AWS/SQS',
      MetricName: 'ApproximateNumberOfMessagesVisible',
      Dimensions: [{ Name: 'QueueName', Value: { 'Fn::GetAtt': ['ProduceTicksFailureQueue', 'QueueName'] } }],
      Threshold: 0,
      ComparisonOperator: 'GreaterThanThreshold',
      AlarmActions: [{ Ref: 'AlertsTopic' }],
    });
  });
});

describe('the market source param', () => {
  const variablesOf = (template: ReturnType<typeof packagedTemplates>['dev'], id: string) =>
    (resourceById(template, id).Properties.Environment as { Variables: Record<string, unknown> }).Variables;
  /** Every role that may read a secret, with the secrets it may read. */
  const secretReaders = (template: ReturnType<typeof packagedTemplates>['dev']) =>
    Object.fromEntries(
      resourcesOfType(createdResources(template), 'AWS::IAM::Role')
        .map(([id, role]) => [
          id,
          roleStatements(role)
            .filter((statement) => [statement.Action].flat().includes('secretsmanager:GetSecretValue'))
            .flatMap((statement) => [statement.Resource].flat()),
        ])
        .filter(([, resources]) => (resources as unknown[]).length > 0),
    );

  it('keeps the simulator by default: no role may read an Alpha Vantage key', () => {
    const dev = templates.dev;
    expect(variablesOf(dev, 'ProduceTicksLambdaFunction').MARKET_SOURCE).toBe('simulated');
    expect(JSON.stringify(secretReaders(dev))).not.toContain('alphaVantage');
    expect(JSON.stringify(secretReaders(dev))).not.toContain('alphavantage');
  });

  it('lets the two producer roles, and no other, read the key secret it names, and only that one', () => {
    const template = templates.alphavantage;
    for (const id of ['ProduceTicksLambdaFunction', 'BackfillHistoryLambdaFunction']) {
      expect(variablesOf(template, id)).toMatchObject({
        MARKET_SOURCE: 'alphavantage',
        // The secret's ARN: the key itself is read at run time and never in the template.
        ALPHA_VANTAGE_KEY_SECRET_ID: AV_KEY_SECRET_ARN,
        ALPHA_VANTAGE_CALLS_PER_MINUTE: '75',
        ALPHA_VANTAGE_BACKFILL_CALLS_PER_MINUTE: '1',
      });
    }
    const readers = secretReaders(template);
    const holders = Object.entries(readers)
      .filter(([, resources]) => (resources as unknown[]).includes(AV_KEY_SECRET_ARN))
      .map(([id]) => id)
      .sort();
    expect(holders).toEqual(['BackfillHistoryRole', 'ProduceTicksRole']);
    const keyStatements = roleStatements(resourceById(createdResources(template), 'ProduceTicksRole')).filter(
      (statement) => statement.Sid === 'ReadMarketDataKey',
    );
    expect(keyStatements).toEqual([
      {
        Sid: 'ReadMarketDataKey',
        Effect: 'Allow',
        Action: 'secretsmanager:GetSecretValue',
        Resource: AV_KEY_SECRET_ARN,
      },
    ]);
  });

  const produceSchedules = (template: (typeof templates)['dev']) =>
    resourcesOfType(template, 'AWS::Events::Rule').filter(
      ([, rule]) =>
        (rule.Properties.Targets as RuleTarget[])[0]?.Arn['Fn::GetAtt']?.[0] === 'ProduceTicksLambdaFunction',
    );

  it('turns the live schedules off on a free plan, whatever producerSchedulesEnabled says, and on on a premium one', () => {
    expect(produceSchedules(templates.alphavantage).map(([, rule]) => rule.Properties.State)).toEqual([
      'DISABLED',
      'DISABLED',
    ]);
    expect(produceSchedules(templates.alphavantagePremium).map(([, rule]) => rule.Properties.State)).toEqual([
      'ENABLED',
      'ENABLED',
    ]);
    // The simulator's stages are untouched.
    expect(produceSchedules(templates.dev).map(([, rule]) => rule.Properties.State)).toEqual([
      'ENABLED',
      'ENABLED',
    ]);
  });

  it('never retries an Alpha Vantage minute (its share of the plan would be spent twice), and retries a simulated one', () => {
    const retries = (template: (typeof templates)['dev']) =>
      resourcesOfType(template, 'AWS::Lambda::EventInvokeConfig')
        .filter(([, config]) => JSON.stringify(config.Properties.FunctionName).includes('ProduceTicks'))
        .map(([, config]) => config.Properties.MaximumRetryAttempts);
    expect(retries(templates.alphavantagePremium)).toEqual([0]);
    expect(retries(templates.dev)).toEqual([2]);
  });

  it("drives a failing Alpha Vantage minute through every retry its template allows, within that minute's share of the plan", async () => {
    const template = templates.alphavantagePremium;
    const retries = resourcesOfType(template, 'AWS::Lambda::EventInvokeConfig')
      .filter(([, config]) => JSON.stringify(config.Properties.FunctionName).includes('ProduceTicks'))
      .map(([, config]) => config.Properties.MaximumRetryAttempts as number)
      .reduce((sum, count) => sum + count, 0);
    const literal = Object.fromEntries(
      Object.entries(variablesOf(template, 'ProduceTicksLambdaFunction')).filter(
        (entry): entry is [string, string] => typeof entry[1] === 'string',
      ),
    );
    const config = loadProducerConfig({
      ...literal,
      KAFKA_BROKERS: '10.0.1.5:9096',
      KAFKA_SECURITY_PROTOCOL: 'PLAINTEXT',
      // The recorded session lies in the past.
      ALPHA_VANTAGE_MAX_QUOTE_DELAY_SECONDS: String(366 * 86_400),
      // The recorded session is its first quarter hour, which delayed quotes (the stage's entitlement) describe as
      // the minutes before the open: realtime quotes of the same minutes, for this test of retries.
      ALPHA_VANTAGE_ENTITLEMENT: 'realtime',
    });
    // The first schedule's event for a session minute, as EventBridge builds it.
    const target = resourcesOfType(template, 'AWS::Events::Rule')
      .map(([, rule]) => (rule.Properties.Targets as RuleTarget[])[0])
      .find((candidate) => candidate?.Arn['Fn::GetAtt']?.[0] === 'ProduceTicksLambdaFunction');
    if (!target) throw new Error('the template has no produceTicks schedule');
    const minute = Date.parse('2026-11-20T14:32:00Z');
    const event = applyInputTransformer(
      {
        inputPathsMap: target.InputTransformer.InputPathsMap,
        inputTemplate: target.InputTransformer.InputTemplate,
      },
      scheduledEvent({ time: new Date(minute), ruleName: 'r' }),
    );
    const served = serveAlphaVantageFixtures({ clock: () => minute });
    const fetchSpy = jest
      .spyOn(globalThis, 'fetch')
      .mockImplementation(((url: string, init: { signal: AbortSignal }) =>
        served.fetch(url, init)) as typeof fetch);
    // The broker takes nothing: every attempt fails after the quotes were fetched.
    const { handler } = createProduceTicks(config, {
      logger: createLogger('produce-ticks', { logLevel: 'SILENT' }),
      readSecret: async () => FIXTURE_API_KEY,
      createProducer: () => ({
        connect: async () => undefined,
        send: async () => {
          throw new Error('broker down');
        },
        disconnect: async () => undefined,
      }),
    });
    const context = {
      functionName: 'produceTicks',
      awsRequestId: 'r',
      getRemainingTimeInMillis: () => 30_000,
    };
    try {
      // The scheduled invocation, then each retry Lambda makes of the same event.
      for (let attempt = 0; attempt <= retries; attempt += 1)
        await expect(handler(event, context as Context)).rejects.toThrow(/broker down/);
    } finally {
      fetchSpy.mockRestore();
      await served.stop();
    }
    if (config.market.source !== 'alphavantage')
      throw new Error('the template variant must use Alpha Vantage');
    const { callsPerMinute, backfillCallsPerMinute, scheduleGroups } = config.market.alphaVantage;
    const share = Math.floor((callsPerMinute - backfillCallsPerMinute) / scheduleGroups);
    // A group's quotes and first overviews are 20 requests of its 37: a single retry would overspend the minute.
    expect(served.requests.length).toBeGreaterThan(share / 2);
    expect(served.requests.length).toBeLessThanOrEqual(share);
  });

  it('gives the producers the plan and the entitlement, which their config reads', () => {
    const variables = variablesOf(templates.alphavantagePremium, 'ProduceTicksLambdaFunction');
    expect([
      variables.ALPHA_VANTAGE_PLAN,
      variables.ALPHA_VANTAGE_ENTITLEMENT,
      variables.ALPHA_VANTAGE_DAILY_REQUESTS,
    ]).toEqual(['premium', 'delayed', '25']);
  });

  it('tells produceTicks how many schedules share the per-minute limit, and the settings parse', () => {
    const template = templates.alphavantagePremium;
    const schedules = resourcesOfType(template, 'AWS::Events::Rule').filter(
      ([, rule]) =>
        (rule.Properties.Targets as RuleTarget[])[0]?.Arn['Fn::GetAtt']?.[0] === 'ProduceTicksLambdaFunction',
    );
    const variables = variablesOf(template, 'ProduceTicksLambdaFunction');
    expect(variables.PRODUCER_SCHEDULE_GROUPS).toBe(String(schedules.length));
    const literal = Object.fromEntries(
      Object.entries(variables).filter((entry): entry is [string, string] => typeof entry[1] === 'string'),
    );
    const config = loadProducerConfig({
      ...literal,
      KAFKA_BROKERS: '10.0.1.5:9096',
      KAFKA_SECURITY_PROTOCOL: 'PLAINTEXT',
    });
    expect(config.market).toMatchObject({
      source: 'alphavantage',
      apiKey: { secretId: AV_KEY_SECRET_ARN },
      alphaVantage: {
        plan: 'premium',
        entitlement: 'delayed',
        callsPerMinute: 75,
        backfillCallsPerMinute: 1,
        scheduleGroups: schedules.length,
      },
    });
  });
});
