/**
 * `npm run local:s3`: the local S3 endpoint on a fixed port (4569, or --port) with the `local` stage's buckets,
 * for `sls invoke local --stage local` (docs/local-stack.md, "Invoking one function"). Objects are files under
 * .cache/local-s3/invoke, kept between runs. Runs in the foreground until Ctrl-C.
 */
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { CACHE_DIR } from '../../support/cache';
import { LOCAL_STAGE_BUCKETS, startLocalS3 } from './s3';

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { port: { type: 'string', default: '4569' } } });
  const s3 = await startLocalS3({
    storageDir: join(CACHE_DIR, 'local-s3', 'invoke'),
    buckets: LOCAL_STAGE_BUCKETS,
    topics: ['tickstream-local-alerts'],
    port: Number(values.port),
  });
  console.log(
    `local S3 at ${s3.endpoint} with ${LOCAL_STAGE_BUCKETS.join(' and ')}; objects in ${s3.storageDir}. Ctrl-C stops it.`,
  );
  const stop = () => {
    void s3.stop().then(() => process.exit(0));
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}

main().catch((error: unknown) => {
  console.error(`local S3: ${error instanceof Error ? error.message : String(error)}`);
  process.exitCode = 1;
});
