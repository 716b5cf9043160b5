/**
 * The dashboard, measured in Chromium against a local Express app under load:
 *
 * - page weight: bytes of everything the page loads before any data (HTML,
 *   script, style, icon), raw and gzipped (level 9; the server itself sends
 *   them uncompressed unless a compression middleware sits in front);
 * - time to first render: navigation start to the login form painted, and
 *   sign-in click to the first live figures shown (median of several loads);
 * - poll vs push: server CPU per `GET /overview` over HTTP (what the page does
 *   once a second) against building the same overview in-process (the work a
 *   server-sent-events push would do each second), side by side.
 *
 *   node bench/dashboard/run.mjs [--quick] [--screenshot docs/dashboard.png]
 *
 * Needs Debian's chromium at /usr/bin/chromium and a build (`pnpm build`).
 */
import { fork } from 'node:child_process';
import { once } from 'node:events';
import { mkdtemp, rm } from 'node:fs/promises';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { chromium } from 'playwright-core';

const quick = process.argv.includes('--quick');
const shotAt = process.argv.indexOf('--screenshot');
const screenshot = shotAt === -1 ? undefined : process.argv[shotAt + 1];
const LOADS = quick ? 3 : 15;
const POLLS = quick ? 50 : 1000;
const TOKEN = 'bench-dashboard-token-0123456789';
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

const child = fork(new URL('./app.mjs', import.meta.url));
const [{ port }] = await once(child, 'message');
const base = `http://127.0.0.1:${port}`;
const ask = async (message, key) => {
  child.send(message);
  for (;;) {
    const [reply] = await once(child, 'message');
    if (key in reply) return reply[key];
  }
};

// Steady load: searches (some shed by rate), profile reads (a quarter fail), orders into the outbox.
let loading = true;
const loop = async (fn, pauseMs) => {
  while (loading) {
    await fn().catch(() => undefined);
    await new Promise((resolve) => setTimeout(resolve, pauseMs));
  }
};
const drain = (r) => r.arrayBuffer();
const load = [
  ...Array.from({ length: 6 }, () => loop(() => fetch(`${base}/search`).then(drain), 20)),
  loop(() => fetch(`${base}/profile/7`).then(drain), 50),
  loop(() => fetch(`${base}/orders`, { method: 'POST' }).then(drain), 150),
];

const profile = await mkdtemp(join(tmpdir(), 'ballast-bench-chromium-'));
const context = await chromium.launchPersistentContext(profile, {
  executablePath: '/usr/bin/chromium',
  headless: true,
  args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  viewport: { width: 1280, height: 800 },
});

const weights = new Map();
const firstPaint = [];
const firstData = [];
for (let i = 0; i < LOADS; i++) {
  const page = await context.newPage();
  page.on('response', async (response) => {
    const url = new URL(response.url());
    if (url.pathname.endsWith('/overview') || url.pathname.endsWith('/whoami')) return;
    const body = await response.body().catch(() => Buffer.alloc(0));
    weights.set(url.pathname, { raw: body.length, gzip: gzipSync(body, { level: 9 }).length });
  });
  await page.goto(`${base}/_ballast/`);
  await page.getByLabel('Admin token').waitFor();
  firstPaint.push(await page.evaluate(() => performance.getEntriesByName('first-contentful-paint')[0]?.startTime ?? Number.NaN));
  await page.getByLabel('Admin token').fill(TOKEN);
  const clicked = Date.now();
  await page.getByRole('button', { name: 'Open dashboard' }).click();
  await page.getByText(/admitted: /).first().waitFor();
  firstData.push(Date.now() - clicked);
  if (i === LOADS - 1 && screenshot !== undefined) {
    await page.waitForTimeout(15_000); // let the charts fill
    await page.screenshot({ path: screenshot });
  }
  await page.close();
}

loading = false;
await Promise.all(load);

// Poll (HTTP GET /overview) vs push (the same overview built in-process), server CPU per tick.
const cpuBefore = await ask({ cmd: 'cpu' }, 'cpu');
for (let i = 0; i < POLLS; i++) await fetch(`${base}/_ballast/overview`, { headers: { authorization: `Bearer ${TOKEN}` } }).then(drain);
const cpuAfter = await ask({ cmd: 'cpu' }, 'cpu');
const pollMicros = (cpuAfter.user - cpuBefore.user + cpuAfter.system - cpuBefore.system) / POLLS;
const pushMicros = await ask({ cmd: 'snapshot', n: POLLS }, 'snapshotCpuMicros');

await context.close();
await rm(profile, { recursive: true, force: true });
child.send({ cmd: 'stop' });
await once(child, 'exit');

const total = [...weights.values()].reduce((t, w) => ({ raw: t.raw + w.raw, gzip: t.gzip + w.gzip }), { raw: 0, gzip: 0 });
console.log(`Dashboard bench (${quick ? 'quick' : 'full'}; load average ${loadavg().map((l) => l.toFixed(2)).join(' ')})`);
console.log('\nPage weight (everything loaded before data):');
for (const [path, w] of weights) console.log(`  ${path.padEnd(28)} ${String(w.raw).padStart(7)} B raw  ${String(w.gzip).padStart(6)} B gzip`);
console.log(`  ${'total'.padEnd(28)} ${String(total.raw).padStart(7)} B raw  ${String(total.gzip).padStart(6)} B gzip`);
console.log(`\nTime to first render, median of ${LOADS} loads:`);
console.log(`  first contentful paint (login form)   ${median(firstPaint).toFixed(0)} ms`);
console.log(`  sign-in click to first live figures   ${median(firstData).toFixed(0)} ms`);
console.log(`\nServer CPU per live update, ${POLLS} updates:`);
console.log(`  poll: GET /overview over HTTP          ${pollMicros.toFixed(0)} µs`);
console.log(`  push: same overview built in-process   ${pushMicros.toFixed(0)} µs`);
console.log(`  poll / push                            ${(pollMicros / pushMicros).toFixed(2)}x  (one viewer: ${(pollMicros / 10_000).toFixed(3)}% of a core at 1 poll/s)`);
