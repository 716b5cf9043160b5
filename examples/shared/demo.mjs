// Runs an example and demonstrates it step by step against its own admin API:
// shedding and a live retune, a degraded read, a write outage absorbed by the
// outbox, the health verdict, and a flag promotion that its guard rolls back.
// Pass --once to exit after the demonstration.
import { randomBytes } from 'node:crypto';
import { startDownstreams } from './downstreams.mjs';

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

async function waitFor(check, timeoutMs) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value || Date.now() > deadline) return value;
    await sleep(100);
  }
}

/** Fires `count` concurrent GETs and tallies the answers. */
async function burst(url, count) {
  const answers = await Promise.all(
    Array.from({ length: count }, async () => {
      const res = await fetch(url);
      const body = await res.json();
      return res.status === 200 ? '200 ok' : `${res.status} ${body.reason} (Retry-After: ${res.headers.get('retry-after')})`;
    }),
  );
  const tally = {};
  for (const a of answers) tally[a] = (tally[a] ?? 0) + 1;
  for (const [answer, n] of Object.entries(tally)) console.log(`   ${String(n).padStart(3)} × ${answer}`);
}

/** The demo's port: `PORT`, default 3000 (0 picks a free one). Exits with one line when it is not a port. */
function demoPort() {
  const raw = process.env.PORT ?? '3000';
  const port = Number(raw);
  if (!/^\d+$/.test(raw) || port > 65535) {
    console.error(`PORT=${raw} is not a port number: use e.g. PORT=3001 (or PORT=0 for any free port)`);
    process.exit(1);
  }
  return port;
}

/** Listens on 127.0.0.1:`port`; a busy port exits with one line saying how to pick another, not a stack trace. */
async function listen(app, port, cleanUp) {
  const server = app.listen(port, '127.0.0.1');
  const error = await new Promise((resolve) => {
    server.once('listening', () => resolve(undefined));
    server.once('error', resolve);
  });
  if (error === undefined) return server;
  await cleanUp();
  if (error.code === 'EADDRINUSE') console.error(`Port ${port} is already in use: pick another with PORT=3001 (or PORT=0 for any free port), e.g. PORT=3001 npx --yes pnpm@10.34.8 demo`);
  else if (error.code === 'EACCES') console.error(`Port ${port} needs more privileges: pick one above 1023 with PORT=3001`);
  else console.error(`Cannot listen on 127.0.0.1:${port}: ${error.message}`);
  process.exit(1);
}

export async function runDemo({ name, createApp }) {
  const port = demoPort();
  const adminToken = process.env.BALLAST_ADMIN_TOKEN ?? randomBytes(18).toString('base64url');
  const downstreams = await startDownstreams();
  const { app, ballast } = createApp({ adminToken, profilesUrl: downstreams.profilesUrl, billingUrl: downstreams.billingUrl });
  // Listen first: a busy port then fails at once, before the embedded database opens.
  const server = await listen(app, port, () => downstreams.close());
  await ballast.start();
  const base = `http://127.0.0.1:${server.address().port}`;
  const auth = { authorization: `Bearer ${adminToken}` };
  const admin = async (method, path, body) => {
    const res = await fetch(`${base}/_ballast${path}`, {
      method,
      headers: body === undefined ? auth : { ...auth, 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    return { status: res.status, body: res.headers.get('content-type')?.includes('json') ? await res.json() : await res.text() };
  };
  console.log(`${name} listening on ${base} (outbox on ${process.env.DATABASE_URL ? 'DATABASE_URL' : 'embedded PGlite under .ballast/'})`);

  console.log(`\n1) 20 concurrent searches against search = { maxConcurrent: 2, maxQueue: 3 }:`);
  await burst(`${base}/search?q=ballast`, 20);

  console.log(`\n2) An operator raises the limit at runtime, no restart:`);
  const curl = `curl -X PATCH ${base}/_ballast/limits/search -H 'Authorization: Bearer ${adminToken}' -H 'Content-Type: application/json' -d '{"maxConcurrent":20}'`;
  console.log(`   ${curl}`);
  const view = await admin('PATCH', '/limits/search', { maxConcurrent: 20 });
  console.log(`   → ${view.status}, version ${view.body.version}, settings ${JSON.stringify(view.body.settings)}`);
  console.log(`   The same burst again:`);
  await burst(`${base}/search?q=ballast`, 20);

  console.log(`\n3) Degraded reads: the profile service goes down.`);
  const profile = async (id) => {
    const res = await fetch(`${base}/profile/${id}`);
    return `${res.status} ${JSON.stringify(await res.json())}  Ballast-Degraded: ${res.headers.get('ballast-degraded') ?? '-'}`;
  };
  console.log(`   up:   /profile/7  → ${await profile(7)}`);
  downstreams.state.profilesUp = false;
  console.log(`   down: /profile/7  → ${await profile(7)}   (last good value)`);
  console.log(`   down: /profile/8  → ${await profile(8)}   (fallback)`);
  for (let i = 0; i < 6; i++) await profile(9);
  console.log(`   breaker: ${(await admin('GET', '/dependencies/profiles')).body.state}`);
  downstreams.state.profilesUp = true;
  await sleep(1100);
  // After resetTimeoutMs the next read answers from the fallback at once and probes the
  // dependency in the background; a good probe closes the breaker.
  console.log(`   back up, after resetTimeoutMs: /profile/8 → ${await profile(8)}   (answered at once; the probe runs detached)`);
  const state = async () => (await admin('GET', '/dependencies/profiles')).body.state;
  await waitFor(async () => (await state()) === 'closed', 5_000);
  console.log(`   the probe succeeded: /profile/8 → ${await profile(8)}; breaker ${await state()}`);

  console.log(`\n4) Writes through the outbox while billing is down:`);
  downstreams.state.billingUp = false;
  const keys = [];
  const statuses = {};
  for (let i = 0; i < 20; i++) {
    const res = await fetch(`${base}/orders`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ accountId: `acct-${i % 4}`, amount: i + 1 }),
    });
    const body = await res.json();
    statuses[res.status] = (statuses[res.status] ?? 0) + 1;
    keys.push(body.idempotencyKey);
  }
  console.log(`   20 POST /orders → ${JSON.stringify(statuses)} (202 = accepted, queued)`);
  await sleep(500);
  console.log(`   GET /_ballast/outbox → ${JSON.stringify((await admin('GET', '/outbox')).body)}`);
  downstreams.state.billingUp = true;
  console.log('   billing is back; the worker drains the backlog…');
  const drained = await waitFor(() => keys.every((k) => downstreams.state.billingKeys.has(k)), 60_000);
  const received = keys.filter((k) => downstreams.state.billingKeys.has(k)).length;
  console.log(`   billing received ${received}/20 of this run's orders (${drained ? 'all' : 'NOT all'} delivered)`);
  console.log(`   GET /_ballast/outbox → ${JSON.stringify((await admin('GET', '/outbox')).body)}`);

  console.log(`\n5) Health and metrics:`);
  const health = await admin('GET', '/health');
  console.log(`   GET /_ballast/health → ${health.status} ${JSON.stringify(health.body)}`);
  const metrics = await admin('GET', '/metrics');
  const lines = String(metrics.body).split('\n').filter((l) => /^ballast_limit_(shed_total|admitted_total)\{limit="search"/.test(l));
  for (const line of lines) console.log(`   ${line}`);

  console.log(`\n6) Staged rollout: newCheckout ships dark (stage internal); this instance serves the beta ring.`);
  const checkouts = async (count) => {
    const seen = {};
    for (let i = 0; i < count; i += 20) {
      const batch = Array.from({ length: Math.min(20, count - i) }, (_, j) => fetch(`${base}/checkout`, { headers: { 'x-account-id': `acct-${i + j}` } }).then((r) => r.json()));
      for (const { checkout } of await Promise.all(batch)) seen[checkout] = (seen[checkout] ?? 0) + 1;
    }
    return JSON.stringify(seen);
  };
  console.log(`   80 accounts GET /checkout → ${await checkouts(80)}`);
  const promoteCurl = `curl -X POST ${base}/_ballast/flags/newCheckout/promote -H 'Authorization: Bearer ${adminToken}'`;
  console.log(`   ${promoteCurl}`);
  const promoted = await admin('POST', '/flags/newCheckout/promote');
  console.log(`   → ${promoted.status}, state ${JSON.stringify(promoted.body.state)}, guard "${promoted.body.guard.expression}" watched until ${promoted.body.guard.watchingUntil}`);
  console.log(`   80 accounts GET /checkout → ${await checkouts(80)}   (a sticky tenth of beta gets the new, slow path)`);
  const rolledBack = await waitFor(async () => (await admin('GET', '/flags/newCheckout')).body.state.stage === 'internal', 15_000);
  const flag = (await admin('GET', '/flags/newCheckout')).body;
  console.log(`   the guard failed: ${rolledBack ? 'rolled back by its guard' : 'NOT rolled back'} to ${JSON.stringify(flag.state)}`);
  const entry = (await admin('GET', '/audit')).body.entries.find((e) => e.actor === 'guard');
  console.log(`   GET /_ballast/audit → ${JSON.stringify(entry)}`);
  const warning = (await admin('GET', '/health')).body.checks?.['flag:newCheckout']?.[0];
  console.log(`   GET /_ballast/health → flag:newCheckout ${warning?.status}: ${warning?.output}`);
  console.log(`   80 accounts GET /checkout → ${await checkouts(80)}`);

  console.log(`\nTry it yourself:`);
  console.log(`   open ${base}/_ballast/ in a browser (the dashboard) and paste the admin token ${adminToken}`);
  console.log(`   curl ${base}/_ballast/limits -H 'Authorization: Bearer ${adminToken}'`);
  console.log(`   ${curl.replace('"maxConcurrent":20', '"maxConcurrent":0')}   # closes /search`);
  console.log(`   curl -i ${base}/search`);
  console.log(`   ${promoteCurl}   # and watch GET /_ballast/flags/newCheckout`);

  const stop = async () => {
    await new Promise((resolve) => {
      server.close(resolve);
      server.closeAllConnections();
    });
    await ballast.stop();
    await downstreams.close();
  };
  if (process.argv.includes('--once')) {
    await stop();
    if (!drained || !rolledBack) process.exitCode = 1;
    return;
  }
  console.log('\n(Ctrl-C to stop)');
  const shutdown = () => stop().then(() => process.exit(0));
  process.once('SIGINT', shutdown);
  process.once('SIGTERM', shutdown);
}
