/**
 * ns/op of one flag evaluation, in process: `req.ballast.flag()` (the RequestScope
 * the adapters hand out) in the cases that cost differently, the first call of a
 * request (scope + cohort + decision), `ballast.flags.enabled` outside a request,
 * and unleash-client's `isEnabled` making the same decision (flexibleRollout,
 * userId stickiness, bootstrapped offline) as the peer.
 */
import { IncomingMessage, ServerResponse } from 'node:http';
import { Socket } from 'node:net';
import { createBallast, RequestScope } from '@ballast/core';
import { InMemStorageProvider, Unleash } from 'unleash-client';

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

function request(accountId) {
  const req = new IncomingMessage(new Socket());
  req.method = 'GET';
  req.url = '/checkout';
  req.headers = { 'x-account-id': accountId };
  return new ServerResponse(req);
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

export async function runMicro({ ops, runs }) {
  const flags = { newCheckout: { stage: 'beta', percent: 10 } };
  const cohort = (r) => ({ key: r.header('x-account-id') });
  const internal = createBallast({ stage: 'internal', flags });
  const beta = createBallast({ stage: 'beta', rollout: { cohort }, flags });
  const accounts = Array.from({ length: 1024 }, (_, i) => `acct-${i}`);
  const responses = accounts.map((a) => request(a));
  const ringScope = new RequestScope(internal, responses[0]);
  const bucketScope = new RequestScope(beta, responses[0]);
  const unleash = await unleashPeer();

  const cases = {
    'flag(): the ring decides (no hash)': () => time(() => ringScope.flag('newCheckout'), ops),
    'flag(): sticky bucket (hash of flag:key)': () => time(() => bucketScope.flag('newCheckout'), ops),
    'first flag() of a request (scope + cohort + hash)': () => time((i) => new RequestScope(beta, responses[i & 1023]).flag('newCheckout'), ops),
    'flags.enabled(name, { stage, key })': () => time((i) => beta.flags.enabled('newCheckout', { stage: 'beta', key: accounts[i & 1023] }), ops),
    'unleash-client isEnabled (same decision)': () => time((i) => unleash.isEnabled('newCheckout', { userId: accounts[i & 1023] }), Math.max(1, Math.floor(ops / 20))),
  };
  const samples = Object.fromEntries(Object.keys(cases).map((name) => [name, []]));
  for (let run = 0; run < runs; run++) for (const [name, measure] of Object.entries(cases)) samples[name].push(measure());
  unleash.destroy();
  await internal.stop();
  await beta.stop();
  return Object.fromEntries(Object.entries(samples).map(([name, xs]) => [name, median(xs)]));
}
