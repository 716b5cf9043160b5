// Two services exchanging events over Redis Streams, NATS JetStream and
// RabbitMQ: orders publishes `order.created`, billing answers `invoice.issued`.
// Then one broker is drained through the admin API (maintenance without loss)
// and the next orders avoid it. `--once` ends after the demonstration.
import { fork } from 'node:child_process';
import { once } from 'node:events';

const token = process.env.BALLAST_ADMIN_TOKEN ?? 'example-token-0123456789';
const env = { ...process.env, BALLAST_ADMIN_TOKEN: token };
const start = async (name) => {
  const child = fork(new URL(`./${name}.mjs`, import.meta.url), [], { env, stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  const exited = once(child, 'exit').then(([code]) => {
    throw new Error(`${name} exited before it was ready (code ${code})`);
  });
  const [ready] = await Promise.race([once(child, 'message'), exited]);
  return { child, ...ready };
};
const billing = await start('billing');
const orders = await start('orders');
const base = `http://127.0.0.1:${orders.port}`;
const admin = (method, path, body) =>
  fetch(`${base}/_ballast${path}`, {
    method,
    headers: { authorization: `Bearer ${token}`, ...(body ? { 'content-type': 'application/json' } : {}) },
    ...(body ? { body: JSON.stringify(body) } : {}),
  }).then((r) => r.json());
const run = Date.now().toString(36);
/** This run's invoiced orders, once there are `count` of them. */
const invoiced = async (count) => {
  for (let i = 0; i < 300; i++) {
    const all = await fetch(`${base}/invoiced`).then((r) => r.json());
    // Sorted by order: replies travel over different brokers, so they arrive in any order.
    const got = Object.fromEntries(
      Object.entries(all)
        .filter(([order]) => order.startsWith(`${run}-`))
        .sort(([a], [b]) => a.localeCompare(b)),
    );
    if (Object.keys(got).length >= count) return got;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error('invoices did not arrive');
};

console.log(`1) Orders publish order.created; billing answers invoice.issued (orders ${run}-1 to ${run}-6)`);
for (let i = 1; i <= 3; i++) await fetch(`${base}/orders/${run}-${i}`, { method: 'POST' });
console.log(`orders: invoiced ${JSON.stringify(await invoiced(3))}`);

console.log('\n2) Drain redis for maintenance: publishers stop choosing it, subscribers keep reading it');
console.log(`PATCH /brokers/redis -> ${JSON.stringify(await admin('PATCH', '/brokers/redis', { drain: true }))}`);
const before = (await admin('GET', '/brokers')).brokers.redis.published;
for (let i = 4; i <= 6; i++) await fetch(`${base}/orders/${run}-${i}`, { method: 'POST' });
await invoiced(6);
const after = (await admin('GET', '/brokers')).brokers;
console.log(`orders published through redis while drained: ${after.redis.published - before}`);
console.log(`GET /brokers -> ${JSON.stringify(after)}`);

if (process.argv.includes('--once')) {
  for (const { child } of [orders, billing]) {
    child.send({ type: 'stop' });
    await once(child, 'exit');
  }
}
