import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { createTestDatabase } from '@ballast/testkit';
import { describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('../../../', import.meta.url));
const reason = 'the fleet example needs a PostgreSQL server: set DATABASE_URL (CI does)';
if (!process.env.DATABASE_URL) console.warn(`examples/fleet/test/fleet.test.ts skipped: ${reason}`);

function run(env: NodeJS.ProcessEnv): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['examples/fleet/src/start.mjs', '--once'], { cwd: root, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (d: Buffer) => (output += d.toString()));
    child.stderr.on('data', (d: Buffer) => (output += d.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), 60_000);
    child.on('error', reject);
    child.on('exit', (code) => {
      clearTimeout(timer);
      resolve({ code, output });
    });
  });
}

describe('example fleet', () => {
  it('explains that fleet mode needs a shared PostgreSQL when DATABASE_URL is not set', async () => {
    const { DATABASE_URL: _, ...env } = process.env;
    const { code, output } = await run(env);
    expect(code).toBe(1);
    expect(output).toMatch(/needs a PostgreSQL server/);
  });

  it.skipIf(!process.env.DATABASE_URL)(`shows one retune reaching all three instances${!process.env.DATABASE_URL ? ` (skipped without DATABASE_URL: ${reason})` : ''}`, async () => {
    // A database of its own: the demo stores its override there.
    const db = await createTestDatabase({ backend: 'postgres' });
    if (db.backend !== 'postgres') throw new Error('expected a PostgreSQL database');
    const { code, output } = await run({ ...process.env, DATABASE_URL: db.url, BALLAST_ADMIN_TOKEN: 'example-token-0123456789' }).finally(() => db.drop());
    expect(code, output).toBe(0);
    const [before, after] = output.split('3) The same burst on each instance:');
    expect(before).toMatch(/503 queue_full/);
    for (const name of ['instance-1', 'instance-2', 'instance-3']) {
      expect(output).toContain(`[${name}] search is now maxConcurrent=20 (changed by ops)`);
      expect(after).toMatch(new RegExp(`${name}: maxConcurrent 20\\n\\s+20 × 200 ok`));
    }
  });
});
