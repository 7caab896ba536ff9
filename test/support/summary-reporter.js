// @ts-check
const { SummaryReporter } = require('@jest/reporters');

/**
 * Jest's own summary, then one plain line, `N passed, N failed, N skipped`, as the run's last line, for CI logs
 * and scripts. A test file that could not run at all (a syntax error, a failing set-up) counts as one failed
 * test, so a broken file never shows as "0 failed". Plain JavaScript: jest loads reporters untransformed.
 */
class ClosingLineSummaryReporter extends SummaryReporter {
  /**
   * @param {Set<import('@jest/test-result').TestContext>} contexts
   * @param {import('@jest/test-result').AggregatedResult} results
   * @override
   */
  onRunComplete(contexts, results) {
    super.onRunComplete(contexts, results);
    const passed = results.numPassedTests;
    const failed = results.numFailedTests + results.numRuntimeErrorTestSuites;
    const skipped = results.numPendingTests + results.numTodoTests;
    process.stdout.write(`\n${passed} passed, ${failed} failed, ${skipped} skipped\n`);
  }
}

module.exports = ClosingLineSummaryReporter;
