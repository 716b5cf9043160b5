/// <reference lib="dom" />
// Functions passed to page.evaluate run in the browser, hence the DOM types.
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type BrowserContext, type Page } from 'playwright-core';

/** Debian's chromium package; `.ci/run` installs it when it is missing. */
export const CHROMIUM = '/usr/bin/chromium';
export const hasChromium = existsSync(CHROMIUM);

const ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

export interface Browser {
  context: BrowserContext;
  close(): Promise<void>;
}

/** Chromium with a fresh profile directory, removed on close. */
export async function launchBrowser(): Promise<Browser> {
  const profile = await mkdtemp(join(tmpdir(), 'ballast-dashboard-'));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    args: ARGS,
    viewport: { width: 1280, height: 800 },
  });
  return {
    context,
    close: async () => {
      await context.close();
      await rm(profile, { recursive: true, force: true });
    },
  };
}

/** What went wrong in a page: console errors, uncaught exceptions, CSP violations, dialogs (an `alert` would be XSS). */
export interface PageProblems {
  list: string[];
  /** Drops console errors for an HTTP status the test caused on purpose (Chromium logs every 4xx fetch). */
  expectStatus(status: number): void;
}

/** Opens a page that records every console error, page error, CSP violation and dialog. */
export async function openPage(browser: Browser): Promise<{ page: Page; problems: PageProblems }> {
  const page = await browser.context.newPage();
  page.setDefaultTimeout(10_000);
  const expected = new Set<number>();
  const list: string[] = [];
  const expectedFetchError = (text: string): boolean =>
    [...expected].some((status) => text.startsWith(`Failed to load resource: the server responded with a status of ${status}`));
  page.on('console', (message) => {
    if (message.type() === 'error' && !expectedFetchError(message.text())) list.push(`console: ${message.text()}`);
  });
  page.on('pageerror', (error) => list.push(`pageerror: ${error.message}`));
  page.on('dialog', (dialog) => {
    list.push(`dialog: ${dialog.type()} ${dialog.message()}`);
    void dialog.dismiss();
  });
  // CSP violations reported by the page itself (the init script runs outside the page's CSP).
  await page.exposeBinding('__reportViolation', (_source, text: string) => list.push(`csp: ${text}`));
  await page.addInitScript(() => {
    document.addEventListener('securitypolicyviolation', (e) => {
      (window as unknown as { __reportViolation(text: string): void }).__reportViolation(`${e.violatedDirective} blocked ${e.blockedURI}`);
    });
  });
  return { page, problems: { list, expectStatus: (status) => expected.add(status) } };
}

const axeSource = readFile(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');

/**
 * Runs axe-core in the page and returns its serious and critical violations.
 * axe's source is evaluated through the DevTools protocol, so the page's CSP
 * stays on (no bypass, no inline script tag).
 */
export async function seriousViolations(page: Page): Promise<string[]> {
  await page.evaluate(await axeSource);
  const violations = await page.evaluate(async () => {
    const axe = (window as unknown as { axe: { run(): Promise<{ violations: { id: string; impact: string; help: string; nodes: { target: unknown }[] }[] }> } }).axe;
    const result = await axe.run();
    return result.violations.map((v) => ({ id: v.id, impact: v.impact, help: v.help, targets: v.nodes.map((n) => JSON.stringify(n.target)) }));
  });
  return violations.filter((v) => v.impact === 'serious' || v.impact === 'critical').map((v) => `${v.impact} ${v.id}: ${v.help} at ${v.targets.join(', ')}`);
}
