/**
 * ns/op of one flag evaluation, in process: `req.ballast.flag()` (the RequestScope
 * the adapters hand out) in the cases that cost differently, the first call of a
 * request (scope + cohort + decision), `ballast.flags.enabled` outside a request,
 * and unleash-client's `isEnabled` making the same decision (flexibleRollout,
 * userId stickiness, bootstrapped offline) as the peer. `cases` also has whole
 * Express requests, with and without one flag (callgrind.mjs counts them).
 */
import { IncomingMessage, ServerResponse } from 'node:http';
import { Socket } from 'node:net';
import { Duplex } from 'node:stream';
import { pathToFileURL } from 'node:url';
import express from 'express';
import { InMemStorageProvider, Unleash } from 'unleash-client';

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

function request(accountId) {
  const req = new IncomingMessage(new Socket());
  req.method = 'GET';
  req.url = '/checkout';
  req.headers = { 'x-account-id': accountId };
  return [req, new ServerResponse(req)];
}

/** Times `ops` calls of `fn(i)` and returns ns per call; the result is kept so nothing is optimised away. */
function time(fn, ops) {
  let sink = 0;
  const started = process.hrtime.bigint();
  for (let i = 0; i < ops; i++) if (fn(i)) sink++;
  const ns = Number(process.hrtime.bigint() - started) / ops;
  if (sink === -1) console.log(sink);
  return ns;
}

async function unleashPeer() {
  const unleash = new Unleash({
    url: 'http://127.0.0.1:9/api',
    appName: 'ballast-bench',
    disableMetrics: true,
    refreshInterval: 0,
    storageProvider: new InMemStorageProvider(),
    bootstrap: {
      data: [{ name: 'newCheckout', enabled: true, strategies: [{ name: 'flexibleRollout', parameters: { rollout: '10', stickiness: 'userId', groupId: 'newCheckout' } }] }],
    },
  });
  unleash.on('error', () => {});
  unleash.on('warn', () => {});
  await new Promise((resolve) => unleash.once('ready', resolve));
  return unleash;
}

/**
 * One Express request per call, built as Express's server builds it: a connection of
 * its own, an `IncomingMessage` with a fresh header string, a `ServerResponse` on
 * that connection, then `app.handle` (which swaps both prototypes, so each gets a
 * hidden class of its own, adds `res.locals`, routes, and the handler answers with
 * `res.json`, reading what Express reads). Only that shape shows what a property read
 * of a request costs in a real one (in the scope cases above it is a cached load).
 */
function expressRequest(app) {
  const failed = (error) => {
    if (error) throw error;
  };
  return (i) => {
    const socket = new Duplex({ write: (_chunk, _encoding, done) => done(), read() {} });
    const req = new IncomingMessage(socket);
    req.method = 'GET';
    req.url = '/checkout';
    req.headers = { host: '127.0.0.1', connection: 'keep-alive', 'x-account-id': `acct-${i & 1023}` };
    const res = new ServerResponse(req);
    res.assignSocket(socket);
    app.handle(req, res, failed);
    return res.headersSent;
  };
}

/**
 * The in-request cases on the given `@ballast/core` entry: `ring` (the ring decides, no
 * hash), `sticky` (the bucket of the key decides), `first` (a new request: scope, cohort,
 * decision), each a function of the iteration; `enabled` outside a request. `request` and
 * `request-bare`: a whole Express request on an app that mounts `observe()`, whose handler answers
 * with and without one `req.ballast.flag()` (the same app otherwise, through the given
 * `@ballast/express` entry, which must use the same core).
 */
export async function cases(core = '@ballast/core', adapter = '@ballast/express') {
  const entry = (name) => (name.startsWith('@') ? name : pathToFileURL(name).href);
  const { createBallast, RequestScope } = await import(entry(core));
  const { ballastExpress } = await import(entry(adapter));
  const flags = { newCheckout: { stage: 'beta', percent: 10 } };
  const cohort = (r) => ({ key: r.header('x-account-id') });
  const internal = createBallast({ stage: 'internal', flags });
  const beta = createBallast({ stage: 'beta', rollout: { cohort }, flags });
  const withFlag = express();
  const bare = express();
  // observe() mounted where these requests do not pass: it is what `req.ballast` finds, and its own per-request work stays out of the count.
  for (const app of [withFlag, bare]) app.use('/_ballast', ballastExpress(beta).observe());
  withFlag.get('/checkout', (req, res) => res.json({ checkout: req.ballast.flag('newCheckout') ? 'new' : 'old' }));
  bare.get('/checkout', (req, res) => res.json({ checkout: 'old' }));
  const accounts = Array.from({ length: 1024 }, (_, i) => `acct-${i}`);
  const exchanges = accounts.map((a) => request(a));
  // Builds that predate the request argument (A/B with --core) take the response alone.
  const scopeOf = RequestScope.length >= 3 ? (ballast, [req, res]) => new RequestScope(ballast, req, res) : (ballast, [, res]) => new RequestScope(ballast, res);
  const ringScope = scopeOf(internal, exchanges[0]);
  const bucketScope = scopeOf(beta, exchanges[0]);
  return {
    measure: {
      ring: () => ringScope.flag('newCheckout'),
      sticky: () => bucketScope.flag('newCheckout'),
      first: (i) => scopeOf(beta, exchanges[i & 1023]).flag('newCheckout'),
      enabled: (i) => beta.flags.enabled('newCheckout', { stage: 'beta', key: accounts[i & 1023] }),
      request: expressRequest(withFlag),
      'request-bare': expressRequest(bare),
    },
    accounts,
    stop: async () => {
      await internal.stop();
      await beta.stop();
    },
  };
}

export async function runMicro({ ops, runs }) {
  const { measure, accounts, stop } = await cases();
  const unleash = await unleashPeer();

  const timed = {
    'flag(): the ring decides (no hash)': () => time(measure.ring, ops),
    'flag(): sticky bucket (hash of flag:key)': () => time(measure.sticky, ops),
    'first flag() of a request (scope + cohort + hash)': () => time(measure.first, ops),
    'flags.enabled(name, { stage, key })': () => time(measure.enabled, ops),
    'unleash-client isEnabled (same decision)': () => time((i) => unleash.isEnabled('newCheckout', { userId: accounts[i & 1023] }), Math.max(1, Math.floor(ops / 20))),
  };
  const samples = Object.fromEntries(Object.keys(timed).map((name) => [name, []]));
  for (let run = 0; run < runs; run++) for (const [name, measureOnce] of Object.entries(timed)) samples[name].push(measureOnce());
  unleash.destroy();
  await stop();
  return Object.fromEntries(Object.entries(samples).map(([name, xs]) => [name, median(xs)]));
}
