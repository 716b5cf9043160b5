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

  it('refuses to start without any token', async () => {
    const ballast = createBallast({ limits: { api: { maxConcurrent: 2 } } });
    await expect(ballast.admin.listen()).rejects.toThrow(/needs at least one token/);
    expect(() => ballast.admin.assertEnabled()).toThrow(/needs at least one token/);
  });
});
