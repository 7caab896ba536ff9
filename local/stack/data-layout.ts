import type { ResolvedServerlessConfig } from './serverless-config';

/** Where ticks land in the data bucket and what the crawler calls them: serverless.yml's `custom.data`. */
export interface DataLayout {
  table: string;
  uniqueView: string;
  rawPrefix: string;
  quarantinePrefix: string;
  columnarTable: string;
  columnarPrefix: string;
  archivePrefix: string;
  movesPrefix: string;
}

/** The fields of `custom.data` the local stack uses. */
const DATA_LAYOUT_KEYS = [
  'table',
  'uniqueView',
  'rawPrefix',
  'quarantinePrefix',
  'columnarTable',
  'columnarPrefix',
  'archivePrefix',
  'movesPrefix',
] as const satisfies readonly (keyof DataLayout)[];

/** The stage's data layout, as `sls print` resolved it (the one definition: serverless.yml `custom.data`). */
export function dataLayoutOf(config: Pick<ResolvedServerlessConfig, 'custom'>): DataLayout {
  const data = config.custom.data;
  return Object.fromEntries(DATA_LAYOUT_KEYS.map((key) => [key, data[key]])) as unknown as DataLayout;
}
