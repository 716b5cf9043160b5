import { describe, expect, it } from 'vitest';
import request from 'supertest';
import type { BallastOptions } from '@ballast/core';
import { adminApp } from './adminApp.js';

const SECRET = 'health-test-secret-00001';
const admin = { tokens: { ops: { secret: SECRET, role: 'read' as const } } };

describe('health endpoints', () => {
  const app = adminApp();
  const start = (options: BallastOptions): Promise<string> => app.start({ admin, ...options });

  it('answers /livez and /readyz without a token by default, with the status only, and keeps /health behind a token', async () => {
    const url = await start({ limits: { api: { maxConcurrent: 1 } }, asserts: { idle: 'running(api) < 1' } });
    for (const path of ['/livez', '/readyz']) {
      const res = await request(url).get(path).expect(200);
      expect(JSON.parse(res.text)).toEqual({ status: 'pass' });
    }
    await request(url).get('/health').expect(401);
    const full = await request(url).get('/readyz').set('authorization', `Bearer ${SECRET}`).expect(200);
    expect(JSON.parse(full.text).checks).toHaveProperty('assert:idle');
  });

  it('needs a token on all three with health.public: false', async () => {
    const url = await start({ health: { public: false } });
    for (const path of ['/health', '/livez', '/readyz']) await request(url).get(path).expect(401);
  });

  it('answers the status without a token when public, and the checks only with one', async () => {
    const url = await start({ health: { public: true }, limits: { api: { maxConcurrent: 1 } }, asserts: { idle: 'running(api) < 1' } });
    const anonymous = await request(url).get('/health').expect(200);
    expect(anonymous.headers['content-type']).toMatch(/^application\/health\+json/);
    expect(JSON.parse(anonymous.text)).toEqual({ status: 'pass' });
    const full = await request(url).get('/health').set('authorization', `Bearer ${SECRET}`).expect(200);
    expect(JSON.parse(full.text)).toMatchObject({
      status: 'pass',
      checks: { 'assert:idle': [{ componentType: 'assert', status: 'pass', observedValue: 0 }] },
    });
    expect(JSON.parse(full.text).checks).toMatchObject({ 'http:in_flight': [{ status: 'pass' }], 'process:uptime': [{ observedUnit: 's' }] });
    expect(JSON.parse((await request(url).get('/readyz').set('authorization', `Bearer ${SECRET}`)).text).checks).not.toHaveProperty('process:uptime');
    await request(url).get('/metrics').expect(401);
  });

  it('keeps liveness apart from readiness: a failing assert fails /readyz with 503 but never /livez', async () => {
    const url = await start({ health: { public: true }, limits: { api: { maxConcurrent: 1 } }, asserts: { busy: 'running(api) > 0' } });
    expect((await request(url).get('/readyz')).status).toBe(503);
    expect(JSON.parse((await request(url).get('/readyz')).text)).toEqual({ status: 'fail' });
    expect((await request(url).get('/health')).status).toBe(503);
    expect((await request(url).get('/livez')).status).toBe(200);
  });

  it('gives warn, not a verdict, while an assert has too few samples', async () => {
    const url = await start({ asserts: { latency: 'p99(latency) < 1ms' } });
    const res = await request(url).get('/health').set('authorization', `Bearer ${SECRET}`).expect(200);
    expect(JSON.parse(res.text)).toMatchObject({
      status: 'warn',
      checks: { 'assert:latency': [{ status: 'warn', observedValue: null, output: 'no data yet' }] },
    });
  });

  it('fails readiness for an open breaker with no fallback', async () => {
    const url = await start({ dependencies: { profiles: {} } });
    app.ballast.dependencies.update('profiles', { force: 'open' });
    const res = await request(url).get('/readyz').set('authorization', `Bearer ${SECRET}`).expect(503);
    expect(JSON.parse(res.text)).toMatchObject({ checks: { 'dependency:profiles': [{ status: 'fail' }] } });
    expect((await request(url).get('/livez').set('authorization', `Bearer ${SECRET}`)).status).toBe(200);
  });
});
