/** A report: one Athena (Trino) query over `stock_ticks` taking one parameter, the day ('YYYY-MM-DD'). */
export interface Report {
  name: string;
  sql: string;
}

// serverless packages the catalog into the state machine from this one CommonJS module (it can load no
// TypeScript), so the code that lists lib/reports/*.sql lives there.
const catalog = require('../../statemachines/report-catalog.js') as { reports: () => Report[] };

/** Every report in `lib/reports/*.sql`, by name (the file name without `.sql`), sorted. */
export function loadReports(): Report[] {
  return catalog.reports();
}
