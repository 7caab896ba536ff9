import type { AlertEvent } from './alerts';

const TITLES = {
  'symbol-silent': { opened: 'silent', resolved: 'trading again' },
  'feed-stalled': { opened: 'feed stalled', resolved: 'feed flowing again' },
  'price-jump': { opened: 'price jump', resolved: 'price jump over' },
} as const;

const lasted = (event: AlertEvent) => {
  const ms = Date.parse(event.at) - Date.parse(event.episode.openedAt);
  return `${Math.max(1, Math.round(ms / 60_000))} minute(s)`;
};

/**
 * The email an alert event becomes: a subject that says what and where (SNS keeps subjects under 100 characters)
 * and a body a person on call reads without the docs: what happened, since when, the last price, how to look.
 */
export function alertMessage(event: AlertEvent, stage: string): { subject: string; body: string } {
  const { episode } = event;
  const who = episode.symbol ?? 'all symbols';
  const title = TITLES[episode.kind][event.change];
  const subject =
    `tickstream ${stage}: ${who} ${title}${event.change === 'resolved' ? ' (resolved)' : ''}`.slice(0, 99);
  const lines = [
    event.change === 'opened'
      ? `OPENED: ${episode.what}.`
      : `RESOLVED: ${event.resolution ?? 'the condition ended'}.`,
    '',
    `Stage:      ${stage}`,
    `Symbol:     ${who}`,
    `Alert:      ${episode.kind}`,
    `Since:      ${episode.since}`,
    `Opened at:  ${episode.openedAt}`,
    ...(event.change === 'resolved'
      ? [`Resolved at: ${event.at} (after ${lasted(event)})`, `Was:        ${episode.what}`]
      : []),
    `Last price: ${event.lastPrice ?? '-'}`,
    '',
    `Look:       tickstream live --stage ${stage}`,
    '',
    'One message when an alert opens and one when it resolves; thresholds are stage parameters (docs/live.md).',
  ];
  return { subject, body: `${lines.join('\n')}\n` };
}
