// Resolved by serverless (`${file(statemachines/report-catalog.js):reports}`) when it packages the reports
// state machine: every report of the domain's catalog (lib/reports/*.sql) becomes one { name, sql } item of the
// workflow's Map. serverless loads only JavaScript, so the TypeScript catalog is loaded through tsx.
const { require: requireTypeScript } = require('tsx/cjs/api');

const { loadReports, loadUniqueTicksView } = requireTypeScript('../lib/reports/catalog.ts', __filename);
const { COLUMNAR_COLUMNS, COLUMNAR_TICKS_TABLE } = requireTypeScript(
  '../lib/reports/columnar.ts',
  __filename,
);

module.exports.reports = () => loadReports();

// The columnar table: its name and its columns as AWS::Glue::Table wants them.
module.exports.columnarTable = () => COLUMNAR_TICKS_TABLE;
module.exports.columnarColumns = () =>
  COLUMNAR_COLUMNS.map((column) => ({ Name: column.name, Type: column.type }));

// The DDL of the view the reports read (each tick once), run by the workflow before the reports.
module.exports.uniqueTicksView = () => loadUniqueTicksView().sql;
