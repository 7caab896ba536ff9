import { PublishCommand } from '@aws-sdk/client-sns';
import { z } from 'zod';
import { alertMessage } from './alert-message';
import {
  type AlertEvent,
  type AlertsState,
  type AlertThresholds,
  emptyAlerts,
  evaluateAlerts,
  type MarketHours,
  marketOpen,
  parseAlerts,
} from './alerts';
import { type ObjectStore, updateConditionally } from './conditional-object';
import { LIVE_CACHE_CONTROL, type LiveLayout } from './live-layout';
import { readSnapshot } from './read-live';

/** The slice of an SNS client the watch uses. */
export interface AlertPublisher {
  send(command: PublishCommand): Promise<unknown>;
}

/** What one watch did. */
export interface WatchSummary {
  evaluatedAt: string;
  opened: number;
  resolved: number;
  /** Events sent to the topic now (this evaluation's, and any an earlier one recorded but could not send). */
  sent: number;
  open: string[];
}

/**
 * One tick of the alerts' clock: reads the live snapshot, evaluates the alerts at `nowMs`, records what opened
 * and resolved in the alerts object (conditional write: two overlapping watches record an episode once), then
 * sends each recorded event to the topic and removes it from the object's pending list. An event recorded but not
 * sent (the topic failed) is sent by the next watch: an alert may repeat, but is never lost.
 */
export async function watchMarket(params: {
  s3: ObjectStore;
  sns: AlertPublisher;
  bucket: string;
  layout: LiveLayout;
  topicArn: string;
  stage: string;
  thresholds: AlertThresholds;
  marketHours: MarketHours;
  nowMs: number;
}): Promise<WatchSummary> {
  const { s3, bucket, layout } = params;
  const snapshot = await readSnapshot(s3, bucket, layout.snapshotKey);
  let events: AlertEvent[] = [];
  const objectOptions = {
    s3,
    bucket,
    key: layout.alertsKey,
    initial: emptyAlerts,
    parse: parseAlerts,
    cacheControl: LIVE_CACHE_CONTROL,
  };
  const recorded = await updateConditionally<AlertsState>({
    ...objectOptions,
    change: (current) => {
      const evaluated = evaluateAlerts({
        state: current,
        snapshot,
        nowMs: params.nowMs,
        thresholds: params.thresholds,
        isOpen: marketOpen(params.marketHours),
      });
      events = evaluated.events;
      return evaluated.state;
    },
  });
  const state = recorded.value ?? emptyAlerts();
  const sent: string[] = [];
  for (const event of state.pending) {
    const { subject, body } = alertMessage(event, params.stage);
    await params.sns.send(
      new PublishCommand({
        TopicArn: params.topicArn,
        Subject: subject,
        Message: body,
        MessageAttributes: {
          kind: { DataType: 'String', StringValue: event.episode.kind },
          change: { DataType: 'String', StringValue: event.change },
        },
      }),
    );
    sent.push(event.id);
  }
  if (sent.length > 0)
    await updateConditionally<AlertsState>({
      ...objectOptions,
      change: (current) => ({
        ...current,
        pending: current.pending.filter((event) => !sent.includes(event.id)),
      }),
    });
  return {
    evaluatedAt: new Date(params.nowMs).toISOString(),
    opened: events.filter((event) => event.change === 'opened').length,
    resolved: events.filter((event) => event.change === 'resolved').length,
    sent: sent.length,
    open: Object.keys(state.open),
  };
}

/** The watch's event: EventBridge's scheduled event (its `time` is the watch's clock), or `{}` to watch now. */
export const WatchRequestSchema = z.looseObject({
  time: z.iso.datetime({ offset: false }).optional(),
});
export type WatchRequest = z.infer<typeof WatchRequestSchema>;
