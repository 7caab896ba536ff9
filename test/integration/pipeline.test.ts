import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { type Browser, chromium } from 'playwright-core';
import { runCli } from '../../cli/tickstream';
import { parseCsv } from '../../lib/reports/csv';
import { localRuns } from '../../local/pipeline/last-run';
import { authEnvironment } from '../../local/stack/function-environments';
import { testBrokers, testKafkaAuth } from '../support/env';
import { runPipeline } from '../support/pipeline';

const execFileAsync = promisify(execFile);

const ROOT = resolve(__dirname, '..', '..');
/** Screenshots a person can look at after the run (ignored by git). */
const ARTIFACTS = join(ROOT, 'test-artifacts');
/** Debian's chromium, which .ci/run installs; CHROMIUM_PATH names another. */
const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

interface PipelineSummary {
  produced: number;
  landed: number;
  duplicated: number;
  days: Record<string, string>;
  replay: {
    republished: number;
    landedAgain: number;
    redriven: number;
    lines: number;
    distinct: number;
    reportsCompared: number;
    reportsUnchanged: boolean;
    changed: string[];
    snapshotUnchanged: boolean;
  };
  dashboard: string;
  results: string;
  log: string;
  produceRate: number;
  /** Rows per report, per day. */
  reports: Record<string, Record<string, number>>;
  window: { start: string; end: string };
  landSeconds: number;
  endToEndSeconds: number;
}

describe('npm run pipeline, as a user runs it', () => {
  const out = mkdtempSync(join(tmpdir(), 'tickstream-pipeline-'));
  let stdout = '';
  let stderr = '';
  let summary: PipelineSummary;
  let browser: Browser;

  beforeAll(async () => {
    // The same command as `npm run pipeline`, on the test broker, into a scratch output folder.
    ({ stdout, stderr, summary } = await runPipeline<PipelineSummary>([
      '--minutes',
      '3',
      // A fixed window: one UTC day, so the dashboard holds every symbol's three minutes.
      '--start',
      '2026-11-20T15:00:00Z',
      '--out',
      out,
      // Publish the window again and re-drive it: the reports must not change.
      '--replay',
    ]));
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: [
        '--no-sandbox',
        '--disable-gpu',
        '--disable-quic',
        '--no-first-run',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
      ],
    });
  });

  afterAll(async () => {
    await browser?.close();
    rmSync(out, { recursive: true, force: true });
  });

  /** The day's final manifest, as the run left it on disk. */
  const finalManifest = () =>
    JSON.parse(readFileSync(join(summary.results, '_final', 'dt=2026-11-20.json'), 'utf8')) as {
      final: boolean;
      reports: { name: string; object: string }[];
    };
  /** A published report's CSV on disk (the run mirrors the buckets under <out>/s3/<bucket>/<key>). */
  const publishedCsv = (name: string) => {
    const url = finalManifest().reports.find((report) => report.name === name)?.object ?? '';
    return readFileSync(join(out, 's3', url.replace('s3://', '')), 'utf8');
  };

  it('lands every tick once and ends stdout with the JSON summary, its paths on disk', () => {
    expect(summary).toMatchObject({ produced: 3600, landed: 3600, duplicated: 0 });
    expect(summary.produceRate).toBeGreaterThan(0);
    expect(Object.keys(summary.reports)).toEqual(['2026-11-20']);
    expect(Object.keys(summary.reports['2026-11-20'] ?? {})).toHaveLength(7);
    // A past day: reported as final.
    expect(summary.days).toEqual({ '2026-11-20': 'final' });
    expect(finalManifest().final).toBe(true);
    for (const path of [summary.dashboard, summary.log]) expect(existsSync(path)).toBe(true);
    expect(summary.dashboard.startsWith(out)).toBe(true);
  });

  it("labels the window with the produced ticks' minutes, and says on screen what the JSON says", () => {
    // Firings at 15:00, 15:01 and 15:02 each publish the minute that ended at them.
    expect(summary.window).toEqual({ start: '2026-11-20T14:59:00.000Z', end: '2026-11-20T15:02:00.000Z' });
    expect(stderr).toContain('market 2026-11-20T14:59:00.000Z to 2026-11-20T15:02:00.000Z');
    for (const [name, rows] of Object.entries(summary.reports['2026-11-20'] ?? {}))
      expect(stdout).toContain(`\n${name} (2026-11-20): ${rows} rows (`);
    const landLine = /^✔? ?land: .*\((\d+\.\d) s\)$/m.exec(stderr);
    expect(Math.abs(Number(landLine?.[1]) - summary.landSeconds)).toBeLessThanOrEqual(0.15);
    expect(summary.endToEndSeconds).toBeGreaterThanOrEqual(summary.landSeconds);
  });

  it('--replay publishes the window again and re-drives it from its first offset: no report, nor the live snapshot, changes', () => {
    expect(summary.replay).toEqual({
      republished: 3600,
      landedAgain: 3600,
      redriven: 7200,
      redriveBatchSize: 333,
      lines: expect.any(Number),
      distinct: 3600,
      reportsCompared: 7,
      reportsUnchanged: true,
      changed: [],
      snapshotUnchanged: true,
    });
    // Every tick stands in the bucket more than once, and counts once.
    expect(summary.replay.lines).toBeGreaterThan(2 * 3600);
    expect(
      parseCsv(publishedCsv('vwap_daily'))
        .slice(1)
        .map((row) => Number(row[3])),
    ).toEqual(Array.from({ length: 20 }, () => 180));
  });

  it('keeps the screen readable: no log JSON on stdout, no ERROR or stack trace anywhere', () => {
    expect(stdout).not.toContain('"level"');
    expect(`${stdout}\n${stderr}`).not.toMatch(/ERROR|Warning|\n\s+at /);
    expect(stderr).toMatch(/^function logs: .*logs\/functions\.log$/m);
    for (const phase of [
      'stack',
      'publish',
      'land',
      'audit',
      'reports',
      'replay: publish again',
      'replay: land again',
      'replay: audit',
      'replay: reports',
      'save',
    ])
      expect(stderr).toMatch(new RegExp(`^${phase}: `, 'm'));
    // The function logs went to the file instead.
    expect(readFileSync(summary.log, 'utf8')).toContain('"message":"landed batch"');
  });

  it('draws the dashboard in a real browser with no console error', async () => {
    const page = await browser.newPage({ viewport: { width: 1400, height: 1000 } });
    const problems: string[] = [];
    page.on('console', (message) => {
      if (message.type() === 'error') problems.push(message.text());
    });
    page.on('pageerror', (error) => problems.push(error.message));
    page.on('request', (request) => {
      if (!request.url().startsWith('file:')) problems.push(`fetched ${request.url()}`);
    });
    await page.goto(`file://${summary.dashboard}`);

    /** How many of the elements drew something: a shape with a width on the page (a flat line has no height). */
    const drawnCount = async (selector: string, path = /.*/) => {
      let count = 0;
      for (const element of await page.locator(selector).all()) {
        const box = await element.boundingBox();
        const d = (await element.getAttribute('d')) ?? '';
        if (box !== null && box.width > 0 && path.test(d)) count++;
      }
      return count;
    };
    const drawn = {
      intraday: await page.locator('svg.intraday').count(),
      // A line through every minute: a move, then a segment per further point.
      pricePaths: await drawnCount('svg.intraday path.price', /^M[\d.]+,[\d.]+(L[\d.]+,[\d.]+){2,}$/),
      volumePaths: await drawnCount(
        'svg.intraday path.volume',
        /^(M[\d.]+,[\d.]+V[\d.]+h[\d.]+V[\d.]+Z){3}$/,
      ),
      moverBars: await drawnCount('#movers rect'),
      vwapBars: await page.locator('#vwap rect').count(),
      quoteRows: await page.locator('#quotes tbody tr').count(),
    };
    // The dev stage's two schedule groups publish 20 symbols.
    expect(drawn).toEqual({
      intraday: 20,
      pricePaths: 20,
      volumePaths: 20,
      moverBars: 10,
      vwapBars: 20,
      quoteRows: 20,
    });
    mkdirSync(ARTIFACTS, { recursive: true });
    await page.screenshot({ path: join(ARTIFACTS, 'dashboard.png'), fullPage: true });
    expect(problems).toEqual([]);
    await page.close();
  });

  it('lets the tickstream CLI read the run with --local: a report gives the rows the workflow published', async () => {
    const printed = { out: '', err: '' };
    const cli = (...argv: string[]) =>
      runCli(argv, {
        clients: () => {
          throw new Error('--local must not call AWS');
        },
        out: (text) => {
          printed.out += text;
        },
        err: (text) => {
          printed.err += text;
        },
        localRuns: () => localRuns(out),
      });
    expect(await cli('report', 'vwap_daily', '--local', '--format', 'csv')).toBe(0);
    expect(parseCsv(printed.out)).toEqual(parseCsv(publishedCsv('vwap_daily')));
    expect(printed.err).toMatch(
      /^vwap_daily for 2026-11-20: 20 rows, [1-9]\d* bytes scanned \(last local run\)\n$/,
    );
    printed.out = '';
    expect(await cli('status', '--local')).toBe(0);
    expect(printed.out).toContain('ticks     3600 produced, 3600 landed, 0 duplicated, 0 quarantined');
  });
});

describe('npm run pipeline on a machine without a Java that Trino accepts', () => {
  it('stops at start with one line naming the variable and the Java needed, no stack trace', async () => {
    // A JDK folder whose java says it is 17, named by TRINO_JAVA_HOME; no TRINO_URL, so the run would start Trino.
    const home = mkdtempSync(join(tmpdir(), 'jdk-17-'));
    mkdirSync(join(home, 'bin'));
    writeFileSync(join(home, 'bin', 'java'), `#!/bin/sh\necho 'openjdk version "17.0.15" 2025-04-15' >&2\n`, {
      mode: 0o755,
    });
    const { TRINO_URL: _, ...env } = process.env;
    const failed = await execFileAsync(
      process.execPath,
      [
        '--disable-warning=ExperimentalWarning',
        '--import',
        'tsx',
        'local/pipeline/main.ts',
        '--out',
        mkdtempSync(join(tmpdir(), 'no-java-')),
      ],
      {
        cwd: ROOT,
        env: {
          ...env,
          TRINO_JAVA_HOME: home,
          KAFKA_BROKERS: testBrokers().join(','),
          ...authEnvironment(testKafkaAuth()),
        },
      },
    ).then(
      () => undefined,
      (error: { code?: number; stderr?: string }) => error,
    );
    expect(failed?.code).toBe(1);
    const lines = (failed?.stderr ?? '').split('\n').filter((line) => line.startsWith('pipeline failed'));
    expect(lines).toEqual([
      expect.stringContaining(
        `pipeline failed: TRINO_JAVA_HOME=${home} is Java 17; Trino needs Java 24 or newer`,
      ),
    ]);
    expect(failed?.stderr).not.toMatch(/\n\s+at /);
  });
});
