/// <reference lib="dom" />
import { mkdir } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expressHarness, koaHarness, until } from '@ballast/testkit';
import type { Page } from 'playwright-core';
import { CHROMIUM, hasChromium, launchBrowser, openPage, seriousViolations, type Browser, type PageProblems } from './browser.js';
import { needsEnv } from '@ballast/testkit';
import { FLEET, READ_SECRET, REDIS_URL, WRITE_SECRET, XSS_NAME, startDashboardApp, startLoad, type DashboardApp } from './app.js';

const SCREENSHOTS = new URL('../screenshots/', import.meta.url);
const redis = needsEnv(['REDIS_URL'], 'a broker to drain');
const fleet = needsEnv(['DATABASE_URL'], 'fleet mode needs a PostgreSQL server');
const title = hasChromium ? 'dashboard in Chromium' : `dashboard in Chromium (skipped: ${CHROMIUM} is not installed; .ci/run installs it)`;

async function signIn(page: Page, url: string, secret: string): Promise<void> {
  await page.goto(url);
  await page.getByLabel('Admin token').fill(secret);
  await page.getByRole('button', { name: 'Open dashboard' }).click();
}

describe.skipIf(!hasChromium)(title, () => {
  let browser: Browser;
  beforeAll(async () => {
    browser = await launchBrowser();
    await mkdir(SCREENSHOTS, { recursive: true });
  });
  afterAll(async () => browser?.close());

  for (const harness of [expressHarness, koaHarness]) {
    describe(harness.name, () => {
      let server: DashboardApp;
      let page: Page;
      let problems: PageProblems;
      beforeAll(async () => {
        server = await startDashboardApp(harness);
      });
      afterAll(async () => server?.close());

      const open = async (): Promise<void> => {
        ({ page, problems } = await openPage(browser));
      };
      const done = async (): Promise<void> => {
        await page.close();
        expect(problems.list).toEqual([]);
      };

      it('a wrong token: the login says it was not accepted and shows no data', async () => {
        await open();
        problems.expectStatus(401);
        await signIn(page, server.dashboard, 'not-the-right-token-at-all');
        await page.getByRole('alert').getByText('That token was not accepted (401)').waitFor();
        expect(await page.getByRole('heading', { name: 'Limits' }).count()).toBe(0);
        expect(await page.evaluate(() => sessionStorage.length)).toBe(0);
        await done();
      });

      it('figures move while a load runs; maxConcurrent changed in the page changes the server and the audit log names the token', async () => {
        await open();
        await signIn(page, server.dashboard, WRITE_SECRET);
        const search = page.locator('article', { has: page.getByRole('heading', { name: 'search', exact: true }) });
        await search.getByText('running: 0').waitFor();

        const load = startLoad(server.app.url);
        try {
          await search.getByText('running: 2').waitFor();
          await search.getByText('queued: 2').waitFor();
          await search.getByText(/admitted: [1-9][0-9.]*\/s/).waitFor();
          await search.getByText(/queue_full [1-9]/).waitFor();

          await search.getByRole('button', { name: 'Edit search' }).click();
          // An invalid value: the API's message shows beside the field and nothing changes.
          problems.expectStatus(400);
          await search.getByLabel('Max concurrent').fill('-1');
          await search.getByRole('button', { name: 'Save search' }).click();
          await search.locator('.field', { has: page.getByLabel('Max concurrent') }).getByRole('alert').waitFor();
          expect(await search.getByLabel('Max concurrent').getAttribute('aria-invalid')).toBe('true');
          expect(server.ballast.limits.view('search').settings.maxConcurrent).toBe(2);

          await search.getByLabel('Max concurrent').fill('5');
          await search.getByRole('button', { name: 'Save search' }).click();
          await until(() => server.ballast.limits.view('search').settings.maxConcurrent === 5);
          await search.getByText('running: 5').waitFor();
          await page.screenshot({ path: new URL(`${harness.name}-load.png`, SCREENSHOTS).pathname });
        } finally {
          await load.stop();
        }
        const entry = server.ballast.audit.recent(1)[0];
        expect(entry).toMatchObject({ actor: 'ops', action: 'limit.update', target: 'search' });
        const row = page.locator('#audit tbody tr').first();
        await row.getByText('limit.update').waitFor();
        expect(await row.locator('td').nth(1).textContent()).toBe('ops');
        await done();
      });

      it('names are text: a dependency and an assert named like markup show as that text and run nothing; absent features are hidden', async () => {
        await open();
        await signIn(page, server.dashboard, WRITE_SECRET);
        await page.getByRole('heading', { name: XSS_NAME, exact: true }).waitFor();
        await page.getByRole('rowheader', { name: XSS_NAME, exact: true }).waitFor();
        expect(await page.locator('img').count()).toBe(0);
        // Without a broker (REDIS_URL) or fleet mode (DATABASE_URL) those sections are hidden, not shown empty or failing.
        expect(await page.getByRole('navigation', { name: 'Sections' }).getByRole('link').allTextContents()).toEqual([
          'Asserts',
          'Limits',
          'Dependencies',
          'Outbox',
          'Flags',
          ...(REDIS_URL === undefined ? [] : ['Brokers']),
          ...(FLEET ? ['Fleet'] : []),
          'Audit log',
        ]);
        await done();
      });

      it('lists the dead message; Retry sends it again, the destination takes it, and the audit log names the token', async () => {
        await open();
        await signIn(page, server.dashboard, WRITE_SECRET);
        const row = page.getByRole('region', { name: 'Dead messages' }).locator('tr', { hasText: 'billing refused the message (422)' });
        await row.waitFor();
        await row.getByRole('button', { name: `Retry message ${server.deadId}` }).click();
        await page.locator('#outbox').getByText('No dead messages.').waitFor();
        expect(await server.ballast.outbox.dead('billing')).toEqual([]);
        expect(server.ballast.audit.recent(1)[0]).toMatchObject({ actor: 'ops', action: 'outbox.retry_dead', target: server.deadId });
        await page.locator('#audit tbody tr').first().getByText('outbox.retry_dead').waitFor();
        await done();
      });

      it('promotes a flag one step and rolls it back (the server follows, the audit log names the token); a reload keeps the session, signing out forgets the token', async () => {
        await open();
        await signIn(page, server.dashboard, WRITE_SECRET);
        const row = page.locator('#flags tr', { has: page.getByRole('rowheader', { name: 'newCheckout' }) });
        await row.getByRole('button', { name: 'Promote newCheckout' }).click();
        await until(() => server.ballast.flags.state('newCheckout').stage === 'beta');
        expect(server.ballast.flags.state('newCheckout')).toEqual({ stage: 'beta', percent: 10 });
        await row.getByRole('cell', { name: '10%', exact: true }).waitFor();
        expect(server.ballast.audit.recent(1)[0]).toMatchObject({ actor: 'ops', target: 'newCheckout' });
        await row.getByRole('button', { name: 'Roll back newCheckout' }).click();
        await until(() => server.ballast.flags.state('newCheckout').stage === 'internal');
        await row.getByRole('cell', { name: 'internal', exact: true }).waitFor();

        // The token is asked once per tab: a reload keeps the session; signing out forgets it.
        await page.reload();
        await page.getByText('Signed in as').waitFor();
        expect(await page.context().cookies()).toEqual([]);
        await page.getByRole('button', { name: 'Sign out' }).click();
        await page.getByLabel('Admin token').waitFor();
        expect(await page.evaluate(() => sessionStorage.getItem('ballast.token'))).toBeNull();
        await done();
      });

      it.skipIf(redis.skip)(redis.title('drains a broker and brings it back'), async () => {
        await open();
        await signIn(page, server.dashboard, WRITE_SECRET);
        const row = page.locator('#brokers tr', { has: page.getByRole('rowheader', { name: 'redis' }) });
        await row.getByRole('button', { name: 'Drain redis' }).click();
        await row.getByText('draining').waitFor();
        expect(server.ballast.audit.recent(1)[0]).toMatchObject({ actor: 'ops', action: 'broker.drain', target: 'redis' });
        await row.getByRole('button', { name: 'Undrain redis' }).click();
        await row.getByRole('button', { name: 'Drain redis' }).waitFor();
        await done();
      });

      it.skipIf(fleet.skip)(fleet.title('in fleet mode, lists the live instances by ring'), async () => {
        await open();
        await signIn(page, server.dashboard, WRITE_SECRET);
        const fleetSection = page.locator('#instances');
        await fleetSection.getByRole('heading', { name: 'Ring all (1)' }).waitFor();
        await fleetSection.getByText('dashboard-test-1').waitFor();
        await done();
      });

      it('a read token sees no controls; a write attempted anyway shows the 403', async () => {
        await open();
        await signIn(page, server.dashboard, READ_SECRET);
        await page.getByText('read only').waitFor();
        await page.getByRole('heading', { name: 'search', exact: true }).waitFor();
        const buttons = await page.getByRole('button').allTextContents();
        expect(buttons).toEqual(['Sign out']);
        expect(await page.locator('input').count()).toBe(0);
        await done();

        // A write token's page whose session token is then swapped for a read one: the 403 is shown.
        await open();
        problems.expectStatus(403);
        await signIn(page, server.dashboard, WRITE_SECRET);
        await page.getByRole('button', { name: 'Edit search' }).click();
        await page.evaluate((secret) => sessionStorage.setItem('ballast.token', secret), READ_SECRET);
        await page.getByRole('button', { name: 'Save search' }).click();
        await page.getByRole('alert').getByText(/Forbidden \(403\)/).waitFor();
        await done();
      });

      it('has no serious or critical accessibility violations at 1280×800 and at phone width, and every control is reachable by keyboard', async () => {
        await open();
        await signIn(page, server.dashboard, WRITE_SECRET);
        await page.getByRole('button', { name: 'Edit search' }).click();
        await page.locator('#audit').waitFor();
        expect(await seriousViolations(page)).toEqual([]);

        await page.setViewportSize({ width: 375, height: 740 });
        expect(await seriousViolations(page)).toEqual([]);
        await page.screenshot({ path: new URL(`${harness.name}-phone.png`, SCREENSHOTS).pathname, fullPage: true });

        // Tab from the top reaches the limit's first field.
        await page.locator('body').focus();
        let reached = false;
        for (let i = 0; i < 40 && !reached; i++) {
          await page.keyboard.press('Tab');
          reached = await page.evaluate(() => (document.activeElement as HTMLInputElement | null)?.name === 'maxConcurrent');
        }
        expect(reached).toBe(true);
        await done();
      });
    });
  }
});
