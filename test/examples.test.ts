import { spawn } from 'node:child_process';
import { createServer, type Server } from 'node:net';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('..', import.meta.url));

/** Runs an example's demonstration (built packages) in a scratch directory and returns what it printed. */
function runExample(name: string, env: Record<string, string> = {}): Promise<{ code: number | null; output: string }> {
  const cwd = mkdtempSync(join(tmpdir(), `ballast-${name}-`));
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [join(root, `examples/${name}/src/server.mjs`), '--once'], {
      cwd,
      // Without DATABASE_URL the outbox runs on embedded PGlite, as the README's demo does.
      env: { ...process.env, PORT: '0', BALLAST_ADMIN_TOKEN: 'example-token-0123456789', DATABASE_URL: '', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.on('data', (d: Buffer) => (output += d.toString()));
    child.stderr.on('data', (d: Buffer) => (output += d.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), 120_000);
    child.on('error', reject);
    child.on('exit', (code) => {
      clearTimeout(timer);
      rmSync(cwd, { recursive: true, force: true });
      resolve({ code, output });
    });
  });
}

describe.each(['express-basic', 'koa-basic'])('example %s', (name) => {
  it('demonstrates shedding, a live retune, degraded reads, an outbox backlog that drains and a guarded flag rollback', async () => {
    const { code, output } = await runExample(name);
    expect(code, output).toBe(0);
    const [limits, reads, writes] = output.split(/\n\d\) (?:Degraded reads|Writes through the outbox)/);
    const [before, after] = (limits as string).split('The same burst again:');
    expect(before).toMatch(/503 queue_full \(Retry-After: 2\)/);
    expect(before).toMatch(/→ 200, version 2, settings \{"maxConcurrent":20/);
    expect(after).toMatch(/20 × 200 ok/);
    expect(reads).toMatch(/down: \/profile\/7 {2}→ 200 \{"id":"7","name":"user 7"\} {2}Ballast-Degraded: profiles/);
    expect(reads).toMatch(/down: \/profile\/8 {2}→ 200 \{"id":"8","name":"guest"\} {2}Ballast-Degraded: profiles/);
    expect(reads).toMatch(/breaker: open/);
    expect(reads).toMatch(/breaker closed/);
    expect(writes).toMatch(/20 POST \/orders → \{"202":20\}/);
    expect(writes).toMatch(/billing received 20\/20 of this run's orders \(all delivered\)/);
    const rollout = output.split('6) Staged rollout')[1] as string;
    expect(rollout).toMatch(/→ 200, state \{"stage":"beta","percent":10\}/);
    expect(rollout).toMatch(/"new":\d+/);
    expect(rollout).toMatch(/rolled back by its guard to \{"stage":"internal","percent":100\}/);
    expect(rollout).toMatch(/"actor":"guard","action":"flag.guard-rollback","target":"newCheckout"/);
    expect(rollout).toMatch(/flag:newCheckout warn: rolled back by its guard/);
  }, 120_000); // the whole demonstration, as the child's own kill timer allows; ~25 s on a quiet machine
});

describe.each(['express-basic', 'koa-basic'])('example %s on a busy port', (name) => {
  it('exits with one line that says how to pick another port', async () => {
    const busy: Server = createServer();
    await new Promise<void>((resolve) => busy.listen(0, '127.0.0.1', resolve));
    const { port } = busy.address() as { port: number };
    try {
      const { code, output } = await runExample(name, { PORT: String(port) });
      expect(code).toBe(1);
      expect(output.trim().split('\n')).toEqual([expect.stringContaining(`Port ${port} is already in use: pick another with PORT=3001`)]);
    } finally {
      await new Promise((resolve) => busy.close(resolve));
    }
  });
});

describe('example pubsub', () => {
  it('exchanges events between two services over three brokers, and a drained broker is not chosen', async () => {
    const { code, output } = await runExample('pubsub');
    expect(code, output).toBe(0);
    const run = /\(orders (\w+)-1 to/.exec(output)?.[1] as string;
    const invoiced = output.match(new RegExp(`^billing: invoiced order ${run}-\\d`, 'gm'));
    expect(new Set(invoiced), output).toEqual(new Set([1, 2, 3, 4, 5, 6].map((n) => `billing: invoiced order ${run}-${n}`)));
    expect(output).toContain(`orders: invoiced {"${run}-1":"inv-${run}-1","${run}-2":"inv-${run}-2","${run}-3":"inv-${run}-3"}`);
    expect(output).toContain('"state":"draining"');
    expect(output).toContain('orders published through redis while drained: 0');
  }, 120_000); // two processes, each opening its own embedded PGlite
});
