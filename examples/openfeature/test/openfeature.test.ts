import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('../../../', import.meta.url));

function run(): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['examples/openfeature/src/server.mjs', '--once'], { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] });
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

describe('example openfeature', () => {
  it('opens the flag to a sticky tenth of accounts, then to all of them after a promotion it announces', async () => {
    const { code, output } = await run();
    expect(code, output).toBe(0);
    expect(output).toContain('openfeature: PROVIDER_READY');
    const tenth = Number(/beta 10 %: (\d+) of 100/.exec(output)?.[1]);
    expect(tenth).toBeGreaterThan(0);
    expect(tenth).toBeLessThan(30);
    expect(output).toContain('promote: 200 -> {"stage":"beta","percent":100}');
    expect(output).toContain('openfeature: PROVIDER_CONFIGURATION_CHANGED newCheckout');
    expect(output).toContain('beta 100 %: 100 of 100 accounts get the new checkout');
  });
});
