import { afterEach, describe, expect, it } from 'vitest';
import { createBallast, type AdminServer } from '@ballast/core';

const SECRET = 'standalone-secret-0123';

describe('ballast.admin.listen', () => {
  let server: AdminServer | undefined;
  afterEach(async () => {
    await server?.close();
    server = undefined;
  });

  it('serves the admin API on its own loopback listener', async () => {
    const ballast = createBallast({
      limits: { api: { maxConcurrent: 2 } },
      admin: { tokens: { ops: { secret: SECRET, role: 'write' } } },
    });
    server = await ballast.admin.listen({ port: 0 });
    expect(server.host).toBe('127.0.0.1');
    const base = `http://127.0.0.1:${server.port}`;
    const unauthorized = await fetch(`${base}/limits`);
    expect(unauthorized.status).toBe(401);
    const res = await fetch(`${base}/limits/api`, {
      method: 'PATCH',
      headers: { authorization: `Bearer ${SECRET}`, 'content-type': 'application/json' },
      body: JSON.stringify({ maxConcurrent: 7 }),
    });
    expect(res.status).toBe(200);
    expect(ballast.limits.get('api').settings.maxConcurrent).toBe(7);
    const audit = (await (await fetch(`${base}/audit?limit=5`, { headers: { authorization: `Bearer ${SECRET}` } })).json()) as {
      entries: { actor: string }[];
    };
    expect(audit.entries.map((e) => e.actor)).toEqual(['ops']);
  });

  it('serves the dashboard page and its assets at / without a token, and its data only with one', async () => {
    const ballast = createBallast({ admin: { tokens: { ops: { secret: SECRET, role: 'write' } } } });
    server = await ballast.admin.listen({ port: 0 });
    const base = `http://127.0.0.1:${server.port}`;
    const page = await fetch(`${base}/`);
    expect(page.status).toBe(200);
    expect(page.headers.get('content-security-policy')).toContain("frame-ancestors 'none'");
    expect(await page.text()).toContain('./assets/app.js');
    const script = await fetch(`${base}/assets/app.js`);
    expect(script.status).toBe(200);
    expect(script.headers.get('content-type')).toMatch(/^text\/javascript/);
    expect((await fetch(`${base}/overview`)).status).toBe(401);
  });

  it('refuses to start without any token', async () => {
    const ballast = createBallast({ limits: { api: { maxConcurrent: 2 } } });
    await expect(ballast.admin.listen()).rejects.toThrow(/needs at least one token/);
    expect(() => ballast.admin.assertEnabled()).toThrow(/needs at least one token/);
  });
});
