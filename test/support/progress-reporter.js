// Jest's default per-file progress, without its summary (summary-reporter.js prints that, then the closing line).
module.exports = require('@jest/reporters').DefaultReporter;
