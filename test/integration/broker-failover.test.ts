/**
 * A prod stage's Kafka is three brokers (docs/deploying.md, "Broker count"): each partition has three copies and
 * a write is acknowledged once two have it. This file runs the pipeline's real handlers on a local three-node
 * KRaft cluster (SASL_SSL, SCRAM-SHA-512, as deployed) and kills the leader of a partition mid-publish.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { AnyTick } from '../../lib/contract/tick';
import { endOffsets, partitionReplicas } from '../../local/services/kafka/topic';
import { auditDataBucket } from '../../local/stack/bucket-audit';
import { type LocalStack, startLocalStack } from '../../local/stack/local-stack';
import { testLogLevel } from '../support/env';
import { referenceReports } from '../support/reference-reports';
import { runReportsCsv, simulationSeed, ticksOf } from '../support/reports-run';

let stack: LocalStack | undefined;
beforeAll(async () => {
  stack = await startLocalStack({
    stage: 'dev',
    ownBroker: true,
    brokerNodes: 3,
    functionLogLevel: testLogLevel(),
    batchingWindowMs: 200,
  });
});
afterAll(async () => {
  await stack?.stop();
});

const DAY = '2026-11-09';
const SYMBOLS = ['AAPL', 'MSFT', 'NVDA', 'KO', 'JPM', 'XOM', 'PG', 'HD', 'V', 'WMT'];
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Invokes produceTicks as EventBridge does for a simulated minute: a failed invocation is retried, at most twice
 * (serverless.yml `maximumRetryAttempts`). Returns how many attempts failed.
 */
async function invokeAsEventBridge(local: LocalStack, event: unknown): Promise<number> {
  for (let attempt = 0; ; attempt++) {
    try {
      await local.invoke('produceTicks', event);
      return attempt;
    } catch (error) {
      if (attempt === 2) throw error;
    }
  }
}

/** Waits until every partition of `topic` has all three replicas in sync; returns the replicas seen last. */
async function untilFullyReplicated(local: LocalStack, timeoutMs: number) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const partitions = await partitionReplicas(local);
    if (partitions.every((partition) => partition.isr.length === 3) || Date.now() > deadline)
      return partitions;
    await sleep(500);
  }
}

describe('a three-broker cluster that loses a partition leader mid-publish', () => {
  it('lands every tick, reports as an undisturbed run would, and the restarted broker rejoins the in-sync replicas', async () => {
    const local = stack as LocalStack;
    expect(local.brokerNodes).toHaveLength(3);
    expect(local.brokers).toHaveLength(3);
    // Three copies of each partition, acknowledged once two have them.
    expect((await partitionReplicas(local)).map((partition) => partition.replicas.length)).toEqual([3, 3, 3]);

    const [mapping] = await local.startMappings();
    const events = [1, 2, 3, 4, 5, 6].map((minute) => ({
      symbols: SYMBOLS,
      time: `${DAY}T15:0${minute}:00Z`,
    }));
    for (const event of events.slice(0, 2)) await invokeAsEventBridge(local, event);

    // The leader of partition 0 is killed while the third minute is being sent: no controlled shutdown, no
    // leadership handed over; the controller moves it once the node's session with the quorum expires.
    const victimId = (await partitionReplicas(local))[0]?.leader;
    const victim = local.brokerNodes.find((node) => node.nodeId === victimId);
    if (!victim) throw new Error(`partition 0 has no leader among the stack's nodes (leader ${victimId})`);
    let minuteSent = false;
    const sending = invokeAsEventBridge(local, events[2]).finally(() => {
      minuteSent = true;
    });
    await sleep(50);
    // The fault must hit the send: a minute already acknowledged when the broker dies would test nothing.
    const sendInFlightAtKill = !minuteSent;
    victim.kill();
    await sending;
    expect(sendInFlightAtKill).toBe(true);
    for (const event of events.slice(3)) await invokeAsEventBridge(local, event);

    // With the node down: partition 0 has another leader, and the killed node is out of every in-sync set.
    const degraded = await partitionReplicas(local);
    expect(degraded[0]?.leader).not.toBe(victim.nodeId);
    expect(degraded.filter((partition) => partition.isr.includes(victim.nodeId))).toEqual([]);

    await victim.restart();
    const healed = await untilFullyReplicated(local, 90_000);
    expect(healed.map((partition) => [...partition.isr].sort())).toEqual([
      [1, 2, 3],
      [1, 2, 3],
      [1, 2, 3],
    ]);

    const end = await endOffsets(local);
    await mapping?.waitFor(end, 120_000);
    const recordsInTopic = [...end.values()].reduce((sum, offset) => sum + Number(offset), 0);
    const seed = simulationSeed(local);
    const ticks: AnyTick[] = (await Promise.all(events.map((event) => ticksOf(seed, event)))).flat();
    const audit = await auditDataBucket({
      client: local.s3.client,
      bucket: local.resources.DataBucket as string,
      layout: local.layout,
    });
    // A retried invocation may publish a minute twice into Kafka; the reports count each tick once by identity.
    expect(audit.distinct).toBe(ticks.length);
    // Every record the topic holds landed, once.
    expect(audit.records).toBe(recordsInTopic);
    expect(audit.landed).toBe(recordsInTopic);
    expect(audit.quarantined).toBe(0);

    const run = await runReportsCsv(local, { day: DAY });
    expect(run.days).toEqual([[DAY, true]]);
    expect(run.csv[DAY]).toEqual(await referenceReports(ticks, DAY));
  }, 300_000);
});
