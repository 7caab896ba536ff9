import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdirSync, readdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { z } from 'zod';
import { CACHE_DIR } from '../support/cache';

const run = promisify(execFile);
const PROJECT_ROOT = resolve(__dirname, '..', '..');

const text = z.string().min(1);

/** One function of serverless.yml, as the local stack reads it. */
const FunctionConfigSchema = z.looseObject({
  handler: text,
  name: text.optional(),
  timeout: z.number().optional(),
  memorySize: z.number().optional(),
  environment: z.record(z.string(), z.unknown()).optional(),
  events: z.array(z.record(z.string(), z.unknown())).optional(),
  /** Asynchronous invocation (schedules): retries after a function error, 0–2 (Lambda's default 2). */
  maximumRetryAttempts: z.coerce.number().int().min(0).max(2).optional(),
  /** Asynchronous invocation: seconds an event may wait for its attempts, 60–21600 (Lambda's default 21600). */
  maximumEventAge: z.coerce.number().int().min(60).max(21_600).optional(),
});

/** A `kafka` event of a function (the mapping's settings). */
export const KafkaEventConfigSchema = z.looseObject({
  topic: text,
  consumerGroupId: text.optional(),
  batchSize: z.coerce.number().optional(),
  maximumBatchingWindow: z.coerce.number().optional(),
  startingPosition: z.string().optional(),
});

/**
 * The typed view of the resolved serverless.yml: the parts the local stack, the tests and the cost model read,
 * checked once when it is read, so a renamed or missing key fails there, naming it, instead of deep in a run.
 * Other keys pass through untyped.
 */
const ServerlessConfigSchema = z.looseObject({
  service: text,
  provider: z.looseObject({
    stage: text,
    region: text,
    environment: z.record(z.string(), z.unknown()).optional(),
    timeout: z.number().optional(),
    memorySize: z.number().optional(),
  }),
  functions: z.record(z.string(), FunctionConfigSchema),
  custom: z.looseObject({
    /** Where ticks land and the tables they make (the one definition of the data layout). */
    data: z.looseObject({
      table: text,
      uniqueView: text,
      rawPrefix: text,
      quarantinePrefix: text,
      columnarTable: text,
      columnarPrefix: text,
      archivePrefix: text,
      movesPrefix: text,
    }),
    reports: z.looseObject({ crawlerName: text, database: text, workGroup: text }),
    /** The live objects' folder in the results bucket. */
    live: z.looseObject({ prefix: text }),
  }),
  stepFunctions: z.looseObject({
    stateMachines: z.looseObject({
      reports: z.looseObject({ definition: z.record(z.string(), z.unknown()) }),
    }),
  }),
});

export type ResolvedServerlessConfig = z.output<typeof ServerlessConfigSchema>;
export type ServerlessFunctionConfig = z.output<typeof FunctionConfigSchema>;

/** The files and variables `sls print` reads: any change to one makes a new cache entry. */
function resolutionInputs(stage: string): string {
  const hash = createHash('sha256');
  const files = [
    'serverless.yml',
    'package-lock.json',
    ...['resources', 'statemachines', join('lib', 'reports')].flatMap((folder) =>
      readdirSync(join(PROJECT_ROOT, folder), { recursive: true, encoding: 'utf8' })
        .map((file) => join(folder, file))
        .sort(),
    ),
  ];
  for (const file of files) {
    hash.update(`${file}\0`);
    try {
      hash.update(readFileSync(join(PROJECT_ROOT, file)));
    } catch {
      // A folder (the recursive listing names folders too): its files are listed on their own.
    }
  }
  hash.update(`stage=${stage}\0region=${process.env.AWS_REGION ?? ''}`);
  return hash.digest('hex').slice(0, 32);
}

/**
 * serverless.yml with every variable resolved for a stage, exactly as `sls deploy` would see it, so the local
 * stack runs the same schedules, inputs and environment as the deployed one. `sls print` takes several seconds;
 * its answer is kept in `.cache/serverless-print/`, keyed by every file it reads (serverless.yml, resources/,
 * statemachines/, the report SQL, the lock file) and the stage and region, so a run after any change resolves
 * again and a run with none does not wait for it twice.
 */
export async function resolveServerlessConfig(stage: string): Promise<ResolvedServerlessConfig> {
  const cacheDir = join(CACHE_DIR, 'serverless-print');
  const cached = join(cacheDir, `${stage}-${resolutionInputs(stage)}.json`);
  let json: string;
  try {
    json = readFileSync(cached, 'utf8');
  } catch {
    const sls = resolve(PROJECT_ROOT, 'node_modules', '.bin', 'sls');
    const { stdout } = await run(sls, ['print', '--stage', stage, '--format', 'json'], {
      cwd: PROJECT_ROOT,
      maxBuffer: 16 * 1024 * 1024,
    });
    json = stdout.slice(stdout.indexOf('{'));
    mkdirSync(cacheDir, { recursive: true });
    // Written aside and renamed: a stack starting beside this one reads a whole file or none.
    const partial = `${cached}.${process.pid}.tmp`;
    writeFileSync(partial, json);
    renameSync(partial, cached);
  }
  return ServerlessConfigSchema.parse(JSON.parse(json));
}
