import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('..', import.meta.url));

/** Runs an example's demonstration (built packages) and returns what it printed. */
function runExample(name: string): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [`examples/${name}/src/server.mjs`, '--once'], {
      cwd: root,
      env: { ...process.env, PORT: '0', BALLAST_ADMIN_TOKEN: 'example-token-0123456789' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
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

describe.each(['express-basic', 'koa-basic'])('example %s', (name) => {
  it('sheds part of a burst, applies a live retune through the admin API, then admits the burst', async () => {
    const { code, output } = await runExample(name);
    expect(code, output).toBe(0);
    const [before, after] = output.split('3) The same burst again:');
    expect(before).toMatch(/503 queue_full \(Retry-After: 1\)/);
    expect(before).toMatch(/version 2, settings \{"maxConcurrent":20/);
    expect(after).toMatch(/20 × 200 ok/);
    expect(output).toContain("curl -X PATCH");
  });
});
