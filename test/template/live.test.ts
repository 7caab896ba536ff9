import { describe, expect, it } from '@jest/globals';
import { packagedTemplates, resourceById, resourcesOfType, roleStatements } from '../support/template';

const templates = packagedTemplates();

describe.each(['dev', 'prod'] as const)('watchMarket in sls package --stage %s', (stage) => {
  const template = () => templates[stage];

  it('runs every minute, asynchronously, with a late or repeated minute dropped rather than queued', () => {
    const rules = resourcesOfType(template(), 'AWS::Events::Rule').filter(
      ([, rule]) => rule.Properties.Name === `tickstream-${stage}-watch-market`,
    );
    expect(rules).toHaveLength(1);
    const rule = rules[0]?.[1];
    expect(rule?.Properties).toMatchObject({ ScheduleExpression: 'rate(1 minute)', State: 'ENABLED' });
    expect((rule?.Properties.Targets as { Arn: unknown }[] | undefined)?.[0]?.Arn).toEqual({
      'Fn::GetAtt': ['WatchMarketLambdaFunction', 'Arn'],
    });
    const invokeConfig = resourcesOfType(template(), 'AWS::Lambda::EventInvokeConfig').find(([, config]) =>
      JSON.stringify(config.Properties.FunctionName).includes('WatchMarket'),
    )?.[1];
    expect(invokeConfig?.Properties).toMatchObject({
      MaximumRetryAttempts: 1,
      MaximumEventAgeInSeconds: 120,
    });
  });

  it('is told the live objects, the alerts topic and the thresholds, which default to quiet values', () => {
    const variables = (
      resourceById(template(), 'WatchMarketLambdaFunction').Properties.Environment as {
        Variables: Record<string, unknown>;
      }
    ).Variables;
    expect(variables).toMatchObject({
      RESULTS_BUCKET: { Ref: 'ResultsBucket' },
      LIVE_PREFIX: 'live',
      ALERTS_TOPIC_ARN: { Ref: 'AlertsTopic' },
      ALERT_SILENT_MINUTES: '5',
      ALERT_FEED_STALLED_MINUTES: '3',
      ALERT_JUMP_SIGMA: '6',
      ALERT_JUMP_MIN_PERCENT: '2',
      // The simulated market trades all day; a real source's silence counts only in the US session.
      ALERT_MARKET_HOURS: 'always',
    });
  });

  it('may read the snapshot, update the alerts object and publish to the alerts topic with its key, nothing else', () => {
    const statements = roleStatements(resourceById(template(), 'WatchMarketRole'));
    const bySid = Object.fromEntries(statements.map((statement) => [statement.Sid, statement]));
    expect(Object.keys(bySid).sort()).toEqual([
      'EncryptAlerts',
      'FindLiveObjects',
      'ReadLiveSnapshot',
      'SendAlerts',
      'UpdateAlerts',
      'WriteLog',
    ]);
    expect(bySid.ReadLiveSnapshot).toMatchObject({
      Action: 's3:GetObject',
      Resource: { 'Fn::Sub': '${ResultsBucket.Arn}/live/snapshot.json' },
    });
    expect(bySid.UpdateAlerts).toMatchObject({
      Action: ['s3:GetObject', 's3:PutObject'],
      Resource: { 'Fn::Sub': '${ResultsBucket.Arn}/live/alerts.json' },
    });
    expect(bySid.SendAlerts).toMatchObject({ Action: 'sns:Publish', Resource: { Ref: 'AlertsTopic' } });
    expect(bySid.EncryptAlerts).toMatchObject({ Resource: { 'Fn::GetAtt': ['AlertsKey', 'Arn'] } });
  });
});
