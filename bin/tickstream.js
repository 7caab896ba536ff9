#!/usr/bin/env -S node --disable-warning=ExperimentalWarning
// The operator CLI (cli/tickstream.ts), run from this checkout through tsx: it is a tool for the people who
// deploy tickstream, never part of the Lambda bundles.
const { require: requireTypeScript } = require('tsx/cjs/api');

/** @type {typeof import('../cli/tickstream')} */
const { runCli, createClients } = requireTypeScript('../cli/tickstream.ts', __filename);

runCli(process.argv.slice(2), {
  clients: createClients,
  // `--local` only: the local stack is loaded when an option asks for the last local run, never otherwise.
  localRuns: () => {
    /** @type {typeof import('../local/pipeline/last-run')} */
    const { localRuns } = requireTypeScript('../local/pipeline/last-run.ts', __filename);
    return localRuns();
  },
  out: (text) => process.stdout.write(text),
  err: (text) => process.stderr.write(text),
  isTerminal: process.stdout.isTTY === true,
}).then((status) => {
  process.exitCode = status;
});
