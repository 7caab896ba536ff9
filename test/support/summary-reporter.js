// @ts-check
const { SummaryReporter } = require('@jest/reporters');

/**
 * How long jest may take after its summary (the integration teardown stops a broker and Trino) before it is ended:
 * 10 s, or `TEST_EXIT_DEADLINE_MS` (the reporter's own test sets a short one).
 */
const EXIT_DEADLINE_MS = Number(process.env.TEST_EXIT_DEADLINE_MS) || 10_000;

/**
 * Jest's own summary, then one plain line, `N passed, N failed, N skipped`, as the run's last line, for CI logs
 * and scripts. A test file that could not run at all (a syntax error, a failing set-up) counts as one failed
 * test, so a broken file never shows as "0 failed". Plain JavaScript: jest loads reporters untransformed.
 *
 * A run then ends within EXIT_DEADLINE_MS whatever is left open: a test that leaves a socket, a timer or a child
 * process behind would otherwise keep jest's process alive after the summary, and a CI run would hang until its
 * own limit instead of failing. The timer does not keep the process alive by itself; when it fires, it names what
 * was still open (a lead for whoever fixes the leak) and exits with the run's status.
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
    setTimeout(() => {
      // Read when the timer fires: jest sets `success` only after the reporters' onRunComplete.
      const status = failed > 0 || results.success === false ? 1 : 0;
      const open = process.getActiveResourcesInfo().filter((resource) => resource !== 'Timeout');
      process.stderr.write(
        `jest was still running ${EXIT_DEADLINE_MS / 1000} s after its summary (still open: ${open.join(', ') || 'nothing but timers'}): ending it\n`,
      );
      process.exit(process.exitCode || status);
    }, EXIT_DEADLINE_MS).unref();
  }
}

module.exports = ClosingLineSummaryReporter;
