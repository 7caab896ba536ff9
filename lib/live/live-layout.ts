/** Where the live objects are in the results bucket (docs/live.md): a folder of three objects the page reads. */
export interface LiveLayout {
  /** The latest state of every symbol, rewritten by landTicks after each landed batch. */
  snapshotKey: string;
  /** Open alert episodes and the recent openings and resolutions, rewritten by watchMarket. */
  alertsKey: string;
  /** The page that follows both. */
  pageKey: string;
}

/** The live objects under a prefix of the results bucket (`live` by default). */
export function liveLayout(prefix = 'live'): LiveLayout {
  const folder = prefix.replace(/\/+$/, '');
  return {
    snapshotKey: `${folder}/snapshot.json`,
    alertsKey: `${folder}/alerts.json`,
    pageKey: `${folder}/index.html`,
  };
}

/** Readers fetch these every few seconds: caches must not keep an old copy. */
export const LIVE_CACHE_CONTROL = 'no-cache, max-age=0';
