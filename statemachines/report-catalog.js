// Resolved by serverless (`${file(statemachines/report-catalog.js):reports}`) when it packages the reports
// state machine: every report of the domain's catalog (lib/reports/*.sql) becomes one { name, sql } item of the
// workflow's Map. serverless loads only JavaScript, so the TypeScript catalog is loaded through tsx.
const { require: requireTypeScript } = require('tsx/cjs/api');

const {
  CURATED_COLUMNS,
  CURATED_TICKS_TABLE,
  curatedDayInsert,
  loadFinalReports,
  loadReports,
  loadUniqueTicksView,
} = requireTypeScript('../lib/reports/catalog.ts', __filename);

module.exports.reports = () => loadReports();

// A finalized day's reports: the same SQL over the curated Parquet table.
module.exports.finalReports = () => loadFinalReports();

// The curated table: its name, its columns as AWS::Glue::Table wants them, and the INSERT of one day.
module.exports.curatedTable = () => CURATED_TICKS_TABLE;
module.exports.curatedColumns = () =>
  CURATED_COLUMNS.map((column) => ({ Name: column.name, Type: column.type }));
module.exports.curatedDayInsert = () => curatedDayInsert();

// The DDL of the view the reports read (each tick once), run by the workflow before the reports.
module.exports.uniqueTicksView = () => loadUniqueTicksView().sql;
