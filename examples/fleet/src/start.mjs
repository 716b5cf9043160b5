// One command: three instances of one service on one PostgreSQL (DATABASE_URL),
// then a single retune through instance 1 that all three apply.
// Pass --once to exit after the demonstration.
import { fork } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { fileURLToPath } from 'node:url';

const database = process.env.DATABASE_URL;
if (!database) {
  console.error(
    'Fleet mode needs a PostgreSQL server that every instance reaches: set DATABASE_URL, e.g.\n' +
      '  DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres pnpm --filter example-fleet start\n' +
      '(The embedded PGlite of the outbox demo is single-process, so it cannot connect a fleet.)',
  );
  process.exit(1);
}
const adminToken = process.env.BALLAST_ADMIN_TOKEN ?? randomBytes(18).toString('base64url');
const auth = { authorization: `Bearer ${adminToken}` };

/** Fires `count` concurrent searches at one instance and prints how they were answered. */
async function burst(base, count) {
  const answers = await Promise.all(
    Array.from({ length: count }, async () => {
      const res = await fetch(`${base}/search`);
      const body = await res.json();
      return res.status === 200 ? '200 ok' : `${res.status} ${body.reason}`;
    }),
  );
  const tally = {};
  for (const a of answers) tally[a] = (tally[a] ?? 0) + 1;
  for (const [answer, n] of Object.entries(tally)) console.log(`    ${String(n).padStart(3)} × ${answer}`);
}

const instances = await Promise.all(
  ['instance-1', 'instance-2', 'instance-3'].map(
    (name) =>
      new Promise((resolve, reject) => {
        const child = fork(fileURLToPath(new URL('./instance.mjs', import.meta.url)), [], {
          env: { ...process.env, FLEET_INSTANCE: JSON.stringify({ name, database, adminToken }) },
        });
        child.on('message', (m) => m.type === 'ready' && resolve({ name, child, base: `http://127.0.0.1:${m.port}` }));
        child.once('exit', (code) => reject(new Error(`${name} exited with ${code}`)));
      }),
  ),
);
const [first] = instances;
const settingsOf = async (i) => (await (await fetch(`${i.base}/_ballast/limits/search`, { headers: auth })).json()).settings;
const until = async (check) => {
  for (let tries = 0; tries < 500 && !(await check()); tries++) await new Promise((r) => setTimeout(r, 10));
};

console.log(`Three instances share ${new URL(database).pathname.slice(1)}: ${instances.map((i) => i.base).join(', ')}`);
// A previous run left its override in the database; start from the code's settings.
await fetch(`${first.base}/_ballast/limits/search/override`, { method: 'DELETE', headers: auth });
await until(async () => (await Promise.all(instances.map(settingsOf))).every((s) => s.maxConcurrent === 2));

console.log('\n1) 20 concurrent searches on each instance, search = { maxConcurrent: 2, maxQueue: 3 }:');
for (const i of instances) {
  console.log(`   ${i.name}:`);
  await burst(i.base, 20);
}

console.log('\n2) One retune, through instance-1 only:');
console.log(`   curl -X PATCH ${first.base}/_ballast/limits/search -H 'Authorization: Bearer ${adminToken}' -H 'Content-Type: application/json' -d '{"maxConcurrent":20}'`);
const patched = await fetch(`${first.base}/_ballast/limits/search`, {
  method: 'PATCH',
  headers: { ...auth, 'content-type': 'application/json' },
  body: JSON.stringify({ maxConcurrent: 20 }),
});
if (!patched.ok) throw new Error(`PATCH failed: ${patched.status} ${await patched.text()}`);
const view = await patched.json();
console.log(`   → version ${view.version}, set by ${view.source.lastChange.actor} at ${view.source.lastChange.at}`);
await until(async () => (await Promise.all(instances.map(settingsOf))).every((s) => s.maxConcurrent === 20));

console.log('\n3) The same burst on each instance:');
for (const i of instances) {
  console.log(`   ${i.name}: maxConcurrent ${(await settingsOf(i)).maxConcurrent}`);
  await burst(i.base, 20);
}

console.log(`\nSee where each value comes from:\n   curl ${instances[2].base}/_ballast/limits/search -H 'Authorization: Bearer ${adminToken}'`);
console.log(`Back to the code's settings everywhere:\n   curl -X DELETE ${instances[1].base}/_ballast/limits/search/override -H 'Authorization: Bearer ${adminToken}'`);

const stop = () => Promise.all(instances.map((i) => new Promise((r) => (i.child.once('exit', r), i.child.send({ type: 'stop' })))));
if (process.argv.includes('--once')) await stop();
else {
  console.log('\n(Ctrl-C to stop)');
  process.once('SIGINT', () => stop().then(() => process.exit(0)));
}
