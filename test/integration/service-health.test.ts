import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from '@jest/globals';
import { startBroker } from '../../local/services/kafka/broker';
import { startLocalS3 } from '../../local/services/s3/s3';
import { useOrStartTrino } from '../../local/services/trino/server';

/** Every local service answers health() while it serves, and fails it, saying why, once it does not. */
describe('the local services’ health checks', () => {
  it('S3: healthy while it serves its buckets, not once it has stopped', async () => {
    const storage = mkdtempSync(join(tmpdir(), 'tickstream-health-'));
    const s3 = await startLocalS3({
      storageDir: storage,
      buckets: ['health-data', 'health-results'],
      removeOnStop: true,
    });
    try {
      expect(s3.description).toBe(`local S3 at ${s3.endpoint} (objects under ${storage})`);
      await expect(s3.health()).resolves.toBeUndefined();
    } finally {
      await s3.stop();
      rmSync(storage, { recursive: true, force: true });
    }
    await expect(s3.health()).rejects.toThrow();
  });

  it('Kafka: healthy while its node is registered and signs a client in, not once it has stopped', async () => {
    const broker = await startBroker({ security: 'sasl_ssl', removeOnStop: true });
    try {
      expect(broker.description).toMatch(/^Kafka 3\.9\.2 at 127\.0\.0\.1:\d+ \(SASL_SSL, SCRAM-SHA-512\)$/);
      await expect(broker.health()).resolves.toBeUndefined();
    } finally {
      await broker.stop();
    }
    await expect(broker.health()).rejects.toThrow();
  }, 120_000);

  it('Trino (the one the tests share): healthy while it answers a query', async () => {
    const trino = await useOrStartTrino({
      url: process.env.TRINO_URL,
      workDir: join(tmpdir(), 'tickstream-health-trino'),
      logFile: join(tmpdir(), 'tickstream-health-trino.log'),
    });
    try {
      expect(trino.description).toContain(trino.client.url);
      await expect(trino.health()).resolves.toBeUndefined();
    } finally {
      await trino.stop();
    }
  }, 180_000);
});
