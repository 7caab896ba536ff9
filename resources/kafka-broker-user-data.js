/**
 * The broker bootstrap as the launch template's UserData carries it. EC2 takes at most 16 KB of user data before
 * base64 encoding ("Work with instance user data", EC2 user guide), and the commented script is twice that: the
 * UserData carries it without its comment lines and blank lines, gzipped and base64-encoded, and unpacks it with
 * `base64 -d | gunzip` (both on Amazon Linux 2023). The integration tests run exactly `runnableBootstrap()`.
 * serverless.yml reads `compressedBootstrap` through `${file(...)}` when it packages.
 */
const { readFileSync } = require('node:fs');
const { join } = require('node:path');
const { gzipSync } = require('node:zlib');

const SCRIPT = join(__dirname, 'kafka-broker-bootstrap.sh');
const HEALTH = join(__dirname, 'kafka-broker-health.sh');

/**
 * The bootstrap without its comments: the shebang stays; every line whose first non-blank character is `#`, and
 * every blank line, goes (the script has no heredoc or string whose content needs such a line).
 *
 * @returns {string}
 */
function runnableBootstrap() {
  return withoutComments(SCRIPT);
}

/**
 * The health check (resources/kafka-broker-health.sh), as the UserData writes it to /opt/kafka-health.sh.
 *
 * @returns {string}
 */
function runnableHealth() {
  return withoutComments(HEALTH);
}

/** @param {string} file */
function withoutComments(file) {
  const [shebang = '', ...lines] = readFileSync(file, 'utf8').split('\n');
  return `${[shebang, ...lines.filter((line) => line.trim() !== '' && !line.trimStart().startsWith('#'))].join('\n')}\n`;
}

/**
 * The runnable bootstrap, gzipped and base64-encoded on one line.
 *
 * @returns {string}
 */
function compressedBootstrap() {
  return gzipSync(runnableBootstrap(), { level: 9 }).toString('base64');
}

/**
 * The runnable health check, gzipped and base64-encoded on one line.
 *
 * @returns {string}
 */
function compressedHealth() {
  return gzipSync(runnableHealth(), { level: 9 }).toString('base64');
}

module.exports = { runnableBootstrap, compressedBootstrap, runnableHealth, compressedHealth };
