import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PutObjectCommand } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { type Browser, chromium } from 'playwright-core';
import { liveLayout } from '../../lib/live/live-layout';
import { renderLivePage } from '../../lib/live/page';
import { produceMinutes, useTestStack } from '../support/local-stack';
import { runPipeline } from '../support/pipeline';

/** Debian's chromium, which .ci/run installs; CHROMIUM_PATH names another. */
const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

describe('npm run pipeline with a halt and a jump made on purpose', () => {
  const out = mkdtempSync(join(tmpdir(), 'tickstream-alerts-'));
  afterAll(() => rmSync(out, { recursive: true, force: true }));

  it('raises exactly those alerts, each opened once and resolved once, within 2 minutes', async () => {
    const { stderr, summary } = await runPipeline<{
      produced: number;
      landed: number;
      alerts: { change: string; alert: string; at: string }[];
    }>([
      '--minutes',
      '16',
      '--start',
      '2026-11-20T14:00:00Z',
      '--halt',
      'MSFT@2026-11-20T14:02Z..2026-11-20T14:09Z',
      '--jump',
      'AAPL@2026-11-20T14:13:20Z:+5%',
      '--out',
      out,
    ]);
    expect(summary.landed).toBe(summary.produced);
    // MSFT's last tick before the halt is 14:01:59: 5 minutes silent at 14:06:59, judged at the 14:07 minute; it
    // ticks from 14:09, judged at 14:10. The jump is in the 14:13 minute, judged at 14:14, steady at 14:15.
    expect(summary.alerts).toEqual([
      { change: 'opened', alert: 'symbol-silent:MSFT', at: '2026-11-20T14:07:00.000Z' },
      { change: 'resolved', alert: 'symbol-silent:MSFT', at: '2026-11-20T14:10:00.000Z' },
      { change: 'opened', alert: 'price-jump:AAPL', at: '2026-11-20T14:14:00.000Z' },
      { change: 'resolved', alert: 'price-jump:AAPL', at: '2026-11-20T14:15:00.000Z' },
    ]);
    expect(stderr).toContain('alerts: 2 opened, 2 resolved');
    expect(stderr).not.toMatch(/ERROR|\n\s+at /);
  }, 240_000);
});

describe('the live page on the local stack', () => {
  const stack = useTestStack();
  let browser: Browser;
  beforeAll(async () => {
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: ['--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking'],
    });
  });
  afterAll(async () => {
    await browser?.close();
  });

  it('follows the snapshot as ticks land: the last price and tick time change without a reload', async () => {
    const local = stack();
    const layout = liveLayout(local.config.custom.live.prefix);
    const bucket = local.resources.ResultsBucket as string;
    await local.s3.client.send(
      new PutObjectCommand({
        Bucket: bucket,
        Key: layout.pageKey,
        Body: renderLivePage({ stage: local.stage, refreshMs: 500 }),
        ContentType: 'text/html; charset=utf-8',
      }),
    );
    await local.startMappings();
    const page = await browser.newPage();
    await page.goto(`${local.s3.endpoint}/${bucket}/${layout.pageKey}`);
    const tickTime = () =>
      page.locator('tr[data-symbol="KO"] td[data-field="tickTime"]').textContent({ timeout: 30_000 });

    await produceMinutes(local, ['KO', 'PG'], 1);
    await page.waitForSelector('tr[data-symbol="KO"]', { timeout: 30_000 });
    const first = await tickTime();
    expect(first).toBe('14:55:59');

    await produceMinutes(local, ['KO', 'PG'], 2);
    await page.waitForFunction(
      // Runs in the page, where `document` is the page's (this project's TypeScript has no DOM types).
      () =>
        (
          globalThis as unknown as {
            document: { querySelector(selector: string): { textContent: string } | null };
          }
        ).document.querySelector('tr[data-symbol="KO"] td[data-field="tickTime"]')?.textContent ===
        '14:56:59',
      undefined,
      { timeout: 30_000 },
    );
    expect(await page.locator('#status').textContent()).toMatch(
      /^2 symbols, updated \d\d:\d\d:\d\d UTC, newest tick 14:56:59 UTC/,
    );
    await page.close();
  }, 120_000);
});
