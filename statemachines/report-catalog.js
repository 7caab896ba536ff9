// Resolved by serverless (`${file(statemachines/report-catalog.js):reports}`) when it packages the reports
// state machine: every lib/reports/*.sql file becomes one { name, sql } item of the workflow's Map.
const { readdirSync, readFileSync } = require('node:fs');
const { join } = require('node:path');

const directory = join(__dirname, '..', 'lib', 'reports');

module.exports.reports = () =>
  readdirSync(directory)
    .filter((file) => file.endsWith('.sql'))
    .sort()
    .map((file) => ({
      name: file.slice(0, -'.sql'.length),
      sql: readFileSync(join(directory, file), 'utf8').trim(),
    }));
