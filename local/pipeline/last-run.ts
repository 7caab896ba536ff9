import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { PutObjectCommand } from '@aws-sdk/client-s3';
import type { LastRunSummary, LocalRuns } from '../../lib/operator/local-run';
import type { Report } from '../../lib/reports/catalog';
import { parseCsv } from '../../lib/reports/csv';
import { withScratchCatalog } from '../stack/scratch-catalog';
import { LOCAL_RUN_DIR } from './outputs';

/** The summary of the last local run in `dir`; throws, saying how to make one, when there is none. */
export function readLastRun(dir: string = LOCAL_RUN_DIR): LastRunSummary {
  const file = join(dir, 'run.json');
  if (!existsSync(file)) throw new Error(`no local run in ${dir}: run npm run pipeline first`);
  return JSON.parse(readFileSync(file, 'utf8')) as LastRunSummary;
}

function filesUnder(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { withFileTypes: true, recursive: true })
    .filter((entry) => entry.isFile())
    .map((entry) => join(entry.parentPath, entry.name));
}

/**
 * Runs a report over the ticks the last local run landed (`<dir>/s3/<data bucket>/<raw prefix>`), as the
 * local workflow does: the files go into a scratch local S3, the crawler stand-in catalogs them, and the report's
 * SQL runs unedited in Trino with the day as its parameter. Returns the rows, header first.
 */
export async function queryLastRun(params: {
  report: Report;
  day: string;
  dir?: string;
}): Promise<{ rows: string[][]; bytesScanned: number }> {
  const dir = params.dir ?? LOCAL_RUN_DIR;
  const { bucket, data } = readLastRun(dir);
  const bucketDir = join(dir, 's3', bucket);
  const rawPrefix = relative(bucketDir, data);
  return withScratchCatalog(
    {
      bucket,
      rawPrefix,
      fill: async (client) => {
        for (const file of filesUnder(data))
          await client.send(
            new PutObjectCommand({
              Bucket: bucket,
              Key: relative(bucketDir, file),
              Body: readFileSync(file),
            }),
          );
      },
    },
    async (query) => {
      const { csv, bytesScanned } = await query(params.report.sql, params.day);
      return { rows: parseCsv(csv), bytesScanned };
    },
  );
}

/** The last local run in `dir` (default `local-run/`), as the operator CLI's `--local` options read it. */
export function localRuns(dir: string = LOCAL_RUN_DIR): LocalRuns {
  return {
    read: () => readLastRun(dir),
    query: ({ report, day }) => queryLastRun({ report, day, dir }),
  };
}
