import type { ResolvedServerlessConfig } from './serverless-config';

/** Where ticks land in the data bucket and what the crawler calls them: serverless.yml's `custom.data`. */
export interface DataLayout {
  table: string;
  uniqueView: string;
  rawPrefix: string;
  quarantinePrefix: string;
  curatedTable: string;
  curatedPrefix: string;
}

/** The stage's data layout, as `sls print` resolved it (the one definition: serverless.yml `custom.data`). */
export function dataLayoutOf(config: ResolvedServerlessConfig): DataLayout {
  const data = (config as unknown as { custom?: { data?: Partial<DataLayout> } }).custom?.data;
  const missing = (
    ['table', 'uniqueView', 'rawPrefix', 'quarantinePrefix', 'curatedTable', 'curatedPrefix'] as const
  ).filter((name) => typeof data?.[name] !== 'string' || data[name] === '');
  if (!data || missing.length > 0)
    throw new Error(
      `serverless.yml custom.data lacks ${missing.join(', ')}: the local stack needs the data layout`,
    );
  return data as DataLayout;
}
