import { describe, expect, it } from '@jest/globals';
import aslValidator from 'asl-validator';
import { STAGE_OUTPUTS } from '../../lib/operator/stage-resources';
import { loadReports, loadUniqueTicksView } from '../../lib/reports/catalog';
import { COLUMNAR_COLUMNS } from '../../lib/reports/columnar';
import {
  type CfnTemplate,
  packagedTemplates,
  resourceById,
  resourcesOfType,
  roleStatements,
} from '../support/template';

const templates = packagedTemplates();

const statementsOf = (template: CfnTemplate, roleId: string) =>
  roleStatements(resourceById(template, roleId));

/** The state machine's definition, its `${…}` substitutions replaced with example ARNs. */
function definitionOf(template: CfnTemplate): Record<string, unknown> {
  const [text, substitutions] = (
    resourceById(template, 'ReportsStateMachine').Properties.DefinitionString as {
      'Fn::Sub': [string, Record<string, unknown>];
    }
  )['Fn::Sub'];
  let resolved = text;
  for (const [name, value] of Object.entries(substitutions)) {
    const reference = JSON.stringify(value);
    const example = reference.includes('AlertsTopic')
      ? 'arn:aws:sns:us-east-1:123456789012:alerts'
      : `arn:aws:lambda:us-east-1:123456789012:function:${
          reference.includes('PlanReports') ? 'plan' : reference.includes('MoveTicks') ? 'move' : 'publish'
        }`;
    resolved = resolved.replaceAll(`\${${name}}`, example);
  }
  return JSON.parse(resolved) as Record<string, unknown>;
}

type States = Record<string, Record<string, unknown>>;

/** The states run once per planned day: inside the ReportDays Map. */
function perDayStates(definition: Record<string, unknown>): States {
  const reportDays = (definition.States as States).ReportDays as { ItemProcessor: { States: States } };
  return reportDays.ItemProcessor.States;
}

describe.each([
  ['dev', 1073741824],
  ['prod', 10737418240],
] as const)('reports in sls package --stage %s', (stage, cutoff) => {
  const template = () => templates[stage];

  it('has a valid ASL definition (asl-validator, ARNs and paths checked) that runs every report', () => {
    const definition = definitionOf(template());
    const result = aslValidator(definition, { checkArn: true, checkPaths: true });
    expect(result.errorsText()).toBe('');
    expect(result.isValid).toBe(true);
    const perDay = perDayStates(definition);
    expect(perDay.ListReports?.Result).toEqual(loadReports());
    for (const report of loadReports()) expect(report.sql).toMatch(/FROM stock_ticks_unique\b/);
  });

  it('plans the days first, from the input and the start time, then replaces the view after the crawl', () => {
    const states = definitionOf(template()).States as Record<string, Record<string, unknown>>;
    expect(states.PlanDays).toMatchObject({
      Resource: 'arn:aws:states:::lambda:invoke',
      Parameters: {
        FunctionName: 'arn:aws:lambda:us-east-1:123456789012:function:plan',
        Payload: { 'input.$': '$', 'startTime.$': '$$.Execution.StartTime' },
      },
      Next: 'CheckDays',
    });
    // The free checks that decide whether the crawler runs: the day's folder in the data bucket, its partition.
    const checks = (states.CheckDays as { ItemProcessor: { States: States } }).ItemProcessor.States;
    expect(checks.FindDayFolder).toMatchObject({
      Resource: 'arn:aws:states:::aws-sdk:s3:listObjectsV2',
      Parameters: { 'Prefix.$': "States.Format('raw/stock_ticks/dt={}/', $.day)", MaxKeys: 1 },
    });
    expect(checks.GetDayPartition).toMatchObject({
      Resource: 'arn:aws:states:::aws-sdk:glue:getPartition',
      Parameters: { DatabaseName: `tickstream_${stage}`, TableName: 'stock_ticks' },
    });
    // Athena's DDL parser fails on a leading comment: the view is sent from CREATE on.
    expect(states.CreateUniqueTicksView?.Parameters).toEqual({
      QueryString: loadUniqueTicksView().sql,
      WorkGroup: `tickstream-${stage}`,
      QueryExecutionContext: { Database: `tickstream_${stage}` },
    });
    expect(loadUniqueTicksView().sql).toMatch(/^CREATE OR REPLACE VIEW stock_ticks_unique AS\n/);
    expect(states.ReportDays).toMatchObject({ ItemsPath: '$.run.days', MaxConcurrency: 1 });
    const perDay = perDayStates(definitionOf(template()));
    expect(perDay.Publish?.Parameters).toMatchObject({
      FunctionName: 'arn:aws:lambda:us-east-1:123456789012:function:publish',
      Payload: { 'day.$': '$.day', 'final.$': '$.final' },
    });
  });

  it('gives planReports its grace minutes and a listing of reports/_final/ only', () => {
    const fn = resourceById(template(), 'PlanReportsLambdaFunction').Properties;
    expect(fn.Environment).toMatchObject({
      Variables: { RESULTS_BUCKET: { Ref: 'ResultsBucket' }, REPORTS_FINALIZE_AFTER_MINUTES: '5' },
    });
    expect(fn.Role).toEqual({ 'Fn::GetAtt': ['PlanReportsRole', 'Arn'] });
    const s3Statements = statementsOf(template(), 'PlanReportsRole').filter((statement) =>
      [statement.Action].flat().some((action) => action.startsWith('s3:')),
    );
    expect(s3Statements).toEqual([
      {
        Sid: 'FindFinalManifests',
        Effect: 'Allow',
        Action: 's3:ListBucket',
        Resource: { 'Fn::GetAtt': ['ResultsBucket', 'Arn'] },
        Condition: { StringLike: { 's3:prefix': 'reports/_final/*' } },
      },
    ]);
  });

  it('crawls raw/stock_ticks only, new folders only, one table per path, logging schema changes', () => {
    const crawler = resourceById(template(), 'TicksCrawler').Properties;
    expect(crawler.Targets).toEqual({
      S3Targets: [{ Path: { 'Fn::Sub': 's3://${DataBucket}/raw/stock_ticks/' }, Exclusions: ['**/_*'] }],
    });
    expect(crawler.RecrawlPolicy).toEqual({ RecrawlBehavior: 'CRAWL_NEW_FOLDERS_ONLY' });
    expect(crawler.SchemaChangePolicy).toEqual({ UpdateBehavior: 'LOG', DeleteBehavior: 'LOG' });
    expect(JSON.parse(crawler.Configuration as string)).toMatchObject({
      Grouping: { TableGroupingPolicy: 'CombineCompatibleSchemas' },
    });
    expect(crawler.Schedule).toBeUndefined();
    expect(crawler.Name).toBe(`tickstream-${stage}-stock-ticks`);
    // Crawlers create a partition index on the tables they make unless configured not to: its role may.
    const tableStatement = roleStatements(resourceById(template(), 'TicksCrawlerRole')).find((statement) =>
      [statement.Action].flat().includes('glue:CreateTable'),
    );
    expect(tableStatement?.Action).toEqual(
      expect.arrayContaining(['glue:CreatePartitionIndex', 'glue:GetPartitionIndexes']),
    );
  });

  it('runs queries in an enforced engine-v3 workgroup with results under athena/ and a per-stage cutoff', () => {
    const workgroup = resourceById(template(), 'AthenaWorkGroup').Properties;
    expect(workgroup.Name).toBe(`tickstream-${stage}`);
    expect(workgroup.WorkGroupConfiguration).toMatchObject({
      EnforceWorkGroupConfiguration: true,
      BytesScannedCutoffPerQuery: cutoff,
      EngineVersion: { SelectedEngineVersion: 'Athena engine version 3' },
      ResultConfiguration: { OutputLocation: { 'Fn::Sub': 's3://${ResultsBucket}/athena/' } },
    });
  });

  it('starts the workflow at five past each hour from an EventBridge rule', () => {
    const rules = resourcesOfType(template(), 'AWS::Events::Rule').filter(([, rule]) =>
      JSON.stringify(rule.Properties.Targets).includes('ReportsStateMachine'),
    );
    expect(rules).toHaveLength(1);
    expect(rules[0]?.[1].Properties.ScheduleExpression).toBe('cron(5 * * * ? *)');
    expect(rules[0]?.[1].Properties.State).toBe('ENABLED');
  });

  it('gives the state machine its own role, every glue/athena/s3 statement scoped to named resources', () => {
    expect(resourceById(template(), 'ReportsStateMachine').Properties.RoleArn).toEqual({
      'Fn::GetAtt': ['ReportsStateMachineRole', 'Arn'],
    });
    const statements = statementsOf(template(), 'ReportsStateMachineRole');
    const actions = statements.flatMap((statement) => [statement.Action].flat());
    for (const needed of [
      'glue:StartCrawler',
      'glue:GetCrawler',
      'athena:StartQueryExecution',
      'athena:GetQueryExecution',
      'sns:Publish',
      'lambda:InvokeFunction',
    ]) {
      expect(actions).toContain(needed);
    }
    for (const statement of statements) {
      expect(statement.Effect).toBe('Allow');
      expect(JSON.stringify(statement.Resource)).not.toBe('"*"');
      expect([statement.Resource].flat()).not.toContain('*');
      expect([statement.Action].flat().every((action) => !action.includes('*'))).toBe(true);
    }
    const crawlerStatement = statements.find((statement) =>
      [statement.Action].flat().includes('glue:StartCrawler'),
    );
    expect(JSON.stringify(crawlerStatement?.Resource)).toContain(`crawler/tickstream-${stage}-stock-ticks`);
    const athenaStatement = statements.find((statement) =>
      [statement.Action].flat().includes('athena:StartQueryExecution'),
    );
    expect(JSON.stringify(athenaStatement?.Resource)).toContain(`workgroup/tickstream-${stage}`);
    // Tables may be created or replaced only for the view the workflow owns.
    const writesTables = statements.filter((statement) =>
      [statement.Action]
        .flat()
        .some((action) => action === 'glue:CreateTable' || action === 'glue:UpdateTable'),
    );
    expect(writesTables.map((statement) => statement.Sid)).toEqual(['ReplaceTheUniqueTicksView']);
    expect(JSON.stringify(writesTables[0]?.Resource)).toContain(
      `table/tickstream_${stage}/stock_ticks_unique`,
    );
    expect(JSON.stringify(writesTables[0]?.Resource)).not.toContain('/*');
    // Athena's guide: a principal limited to its own database also needs these on the catalog and `default`.
    const defaultDatabase = statements.find((statement) => statement.Sid === 'AthenaDefaultDatabase');
    expect(defaultDatabase?.Action).toEqual(['glue:GetDatabase', 'glue:GetDatabases', 'glue:CreateDatabase']);
    expect(defaultDatabase?.Resource).toEqual([
      { 'Fn::Sub': 'arn:${AWS::Partition}:glue:${AWS::Region}:${AWS::AccountId}:catalog' },
      { 'Fn::Sub': 'arn:${AWS::Partition}:glue:${AWS::Region}:${AWS::AccountId}:database/default' },
    ]);
  });

  it('defines the columnar table: external Parquet over columnar/stock_ticks/, partitioned by dt and part', () => {
    const table = resourceById(template(), 'ColumnarTicksTable');
    expect(table.Type).toBe('AWS::Glue::Table');
    expect(table.Properties).toMatchObject({
      DatabaseName: { Ref: 'GlueDatabase' },
      TableInput: {
        Name: 'stock_ticks_columnar',
        TableType: 'EXTERNAL_TABLE',
        Parameters: { classification: 'parquet', EXTERNAL: 'TRUE', 'parquet.compression': 'ZSTD' },
        PartitionKeys: [
          { Name: 'dt', Type: 'string' },
          { Name: 'part', Type: 'string' },
        ],
        StorageDescriptor: {
          Columns: COLUMNAR_COLUMNS.map((column) => ({ Name: column.name, Type: column.type })),
          Location: { 'Fn::Sub': 's3://${DataBucket}/columnar/stock_ticks/' },
          InputFormat: 'org.apache.hadoop.hive.ql.io.parquet.MapredParquetInputFormat',
          OutputFormat: 'org.apache.hadoop.hive.ql.io.parquet.MapredParquetOutputFormat',
          SerdeInfo: { SerializationLibrary: 'org.apache.hadoop.hive.ql.io.parquet.serde.ParquetHiveSerDe' },
        },
      },
    });
    // The view's columns, in its order, are the table's: a part and a landed line are the same row.
    const viewColumns = /SELECT([\s\S]+?)FROM \(/.exec(loadUniqueTicksView().sql)?.[1] ?? '';
    const named = viewColumns
      .split(',\n')
      .map((line) => /(?:AS )?"?(\w+)"?\s*$/.exec(line.trim())?.[1])
      .filter((name) => name !== 'dt');
    expect(named).toEqual(COLUMNAR_COLUMNS.map((column) => column.name));
  });

  it('moves each day through moveTicks: plan, write the part, archive; a final day is compacted and its old parts dropped', () => {
    const definition = definitionOf(template());
    const perDay = perDayStates(definition);
    const moveFunction = 'arn:aws:lambda:us-east-1:123456789012:function:move';
    expect(perDay.PlanMove).toMatchObject({
      Resource: 'arn:aws:states:::lambda:invoke',
      Parameters: { FunctionName: moveFunction, Payload: { step: 'plan', 'day.$': '$.day' } },
      ResultPath: '$.move',
      Next: 'AnythingToMove',
    });
    expect(perDay.AnythingToMove).toMatchObject({
      Choices: [{ Variable: '$.move.objects', NumericGreaterThan: 0, Next: 'WriteColumnarPart' }],
      Default: 'IsFinalDay',
    });
    expect(perDay.WriteColumnarPart).toMatchObject({
      Resource: 'arn:aws:states:::athena:startQueryExecution.sync',
      Parameters: {
        'QueryString.$': '$.move.insert',
        WorkGroup: `tickstream-${stage}`,
        QueryExecutionContext: { Database: `tickstream_${stage}` },
      },
      Next: 'ArchiveMoved',
    });
    expect(perDay.ArchiveMoved).toMatchObject({
      Parameters: {
        FunctionName: moveFunction,
        Payload: { step: 'archive', 'manifest.$': '$.move.manifest' },
      },
      Next: 'IsFinalDay',
    });
    expect(perDay.IsFinalDay).toMatchObject({
      Choices: [{ Variable: '$.final', BooleanEquals: true, Next: 'PlanCompaction' }],
      Default: 'ListReports',
    });
    expect(perDay.WriteCompactedDay).toMatchObject({
      Parameters: { 'QueryString.$': '$.compaction.insert' },
      Next: 'DropReplacedParts',
    });
    expect(perDay.DropReplacedParts).toMatchObject({
      Parameters: {
        FunctionName: moveFunction,
        Payload: { step: 'drop', 'day.$': '$.day', 'keep.$': '$.compaction.part' },
      },
      Next: 'ListReports',
    });
    expect(perDay.ListReports?.Result).toEqual(loadReports());
    for (const report of loadReports()) expect(report.sql).toMatch(/FROM stock_ticks_unique\b/);
  });

  it('lets the workflow write columnar parts only, and delete nothing', () => {
    const statements = statementsOf(template(), 'ReportsStateMachineRole');
    expect(statements.find((statement) => statement.Sid === 'WriteColumnarParts')).toMatchObject({
      Action: ['s3:GetObject', 's3:PutObject', 's3:AbortMultipartUpload', 's3:ListMultipartUploadParts'],
      Resource: { 'Fn::Sub': '${DataBucket.Arn}/columnar/stock_ticks/*' },
    });
    const deleting = statements.filter((statement) => [statement.Action].flat().includes('s3:DeleteObject'));
    expect(deleting).toEqual([]);
    expect(
      JSON.stringify(statements.filter((s) => [s.Action].flat().includes('s3:PutObject'))),
    ).not.toContain('raw/');
    const partitions = statements.find((statement) => statement.Sid === 'RegisterColumnarParts');
    expect(partitions?.Action).toEqual([
      'glue:CreatePartition',
      'glue:BatchCreatePartition',
      'glue:UpdatePartition',
      'glue:BatchUpdatePartition',
    ]);
    expect(JSON.stringify(partitions?.Resource)).toContain(`table/tickstream_${stage}/stock_ticks_columnar`);
    expect(JSON.stringify(partitions?.Resource)).not.toContain('/*');
  });

  it("lets moveTicks archive landed objects, keep manifests, and drop only the columnar table's parts and files", () => {
    const statements = statementsOf(template(), 'MoveTicksRole');
    const bySid = Object.fromEntries(statements.map((statement) => [statement.Sid, statement]));
    expect(bySid.ArchiveLandedObjects).toMatchObject({
      Action: ['s3:GetObject', 's3:DeleteObject'],
      Resource: { 'Fn::Sub': '${DataBucket.Arn}/raw/stock_ticks/*' },
    });
    expect(bySid.KeepArchivedObjects).toMatchObject({
      Action: 's3:PutObject',
      Resource: { 'Fn::Sub': '${DataBucket.Arn}/archive/stock_ticks/*' },
    });
    expect(bySid.DeleteReplacedParts).toMatchObject({
      Action: 's3:DeleteObject',
      Resource: { 'Fn::Sub': '${DataBucket.Arn}/columnar/stock_ticks/*' },
    });
    expect(bySid.DropReplacedParts?.Action).toEqual([
      'glue:GetPartitions',
      'glue:BatchDeletePartition',
      'glue:DeletePartition',
    ]);
    expect(JSON.stringify(bySid.DropReplacedParts?.Resource)).toContain(
      `table/tickstream_${stage}/stock_ticks_columnar`,
    );
    // Nothing else: no delete outside those two folders, no write to the archive's manifests elsewhere.
    const deletes = statements.filter((statement) => [statement.Action].flat().includes('s3:DeleteObject'));
    expect(deletes.map((statement) => statement.Sid)).toEqual([
      'ArchiveLandedObjects',
      'DeleteReplacedParts',
    ]);
  });

  it('lets the publish step read athena/ results and the live alerts, and write reports/ and the live page only', () => {
    const s3Statements = statementsOf(template(), 'PublishReportsRole').filter((statement) =>
      [statement.Action].flat().some((action) => action.startsWith('s3:')),
    );
    expect(s3Statements.map((statement) => [statement.Action, statement.Resource])).toEqual([
      ['s3:GetObject', { 'Fn::Sub': '${ResultsBucket.Arn}/athena/*' }],
      ['s3:PutObject', { 'Fn::Sub': '${ResultsBucket.Arn}/reports/*' }],
      ['s3:GetObject', { 'Fn::Sub': '${ResultsBucket.Arn}/live/alerts.json' }],
      ['s3:PutObject', { 'Fn::Sub': '${ResultsBucket.Arn}/live/index.html' }],
      ['s3:ListBucket', { 'Fn::GetAtt': ['ResultsBucket', 'Arn'] }],
    ]);
  });

  it('keeps the results bucket encrypted, private, TLS-only, with Athena scratch expiring', () => {
    const bucket = resourceById(template(), 'ResultsBucket').Properties;
    expect(bucket.BucketEncryption).toEqual({
      ServerSideEncryptionConfiguration: [
        { ServerSideEncryptionByDefault: { SSEAlgorithm: 'AES256' }, BucketKeyEnabled: true },
      ],
    });
    expect(bucket.PublicAccessBlockConfiguration).toEqual({
      BlockPublicAcls: true,
      BlockPublicPolicy: true,
      IgnorePublicAcls: true,
      RestrictPublicBuckets: true,
    });
    expect(bucket.LifecycleConfiguration).toMatchObject({
      Rules: [{ Prefix: 'athena/', ExpirationInDays: 7, Status: 'Enabled' }],
    });
    expect(resourceById(template(), 'ResultsBucketPolicy').Properties.PolicyDocument).toMatchObject({
      Statement: [{ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }],
    });
    expect(resourcesOfType(template(), 'AWS::SNS::Topic').map(([id]) => id)).toEqual(['AlertsTopic']);
  });
});

describe.each(['dev', 'prod', 'byo'] as const)('stack outputs of %s for the tickstream CLI', (variant) => {
  it('has every output the operator commands resolve the stage from', () => {
    const outputs = packagedTemplates()[variant].Outputs ?? {};
    expect(Object.values(STAGE_OUTPUTS).filter((key) => !(key in outputs))).toEqual([]);
    expect(outputs.ReportsCrawlerName).toMatchObject({ Value: { Ref: 'TicksCrawler' } });
    expect(outputs.LandTicksEventSourceMappingId).toMatchObject({
      Value: { Ref: 'LandTicksEventSourceMappingKafkaStockticks' },
    });
  });
});
