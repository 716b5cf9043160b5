import { describe, expect, it } from 'vitest';
import request from 'supertest';
import { adminApp } from '../health/adminApp.js';

const WRITE = 'asserts-write-secret-0001';
const READ = 'asserts-read-secret-00001';
const admin = { tokens: { ops: { secret: WRITE, role: 'write' as const }, viewer: { secret: READ, role: 'read' as const } } };

describe('asserts through the admin API', () => {
  const app = adminApp();
  const start = (): Promise<string> => app.start({ admin, limits: { api: { maxConcurrent: 4 } }, asserts: { busy: 'running(api) < 4' } });

  it('lists each assert with its expression, observed value and status', async () => {
    const url = await start();
    const res = await request(url).get('/asserts').set('authorization', `Bearer ${READ}`).expect(200);
    expect(res.body).toMatchObject({
      asserts: { busy: { name: 'busy', expression: 'running(api) < 4', status: 'pass', observedValue: 0 } },
    });
  });

  it('adds, changes and removes an assert at runtime, each change audited', async () => {
    const url = await start();
    const auth = { authorization: `Bearer ${WRITE}` };
    const created = await request(url).put('/asserts/queue').set(auth).send({ expression: 'queued(api) <= 2', minSamples: 3 }).expect(201);
    expect(created.body).toMatchObject({ name: 'queue', expression: 'queued(api) <= 2', minSamples: 3, status: 'pass' });
    await request(url).put('/asserts/queue').set(auth).send({ expression: 'queued(api) > 2' }).expect(200);
    expect((await app.ballast.asserts.evaluate()).find((v) => v.name === 'queue')).toMatchObject({ status: 'fail', minSamples: 10 });
    await request(url).delete('/asserts/queue').set(auth).expect(204);
    await request(url).delete('/asserts/queue').set(auth).expect(404);
    expect(app.ballast.asserts.names()).toEqual(['busy']);
    const actions = app.ballast.audit.recent().map((e) => [e.actor, e.action, e.target]);
    expect(actions).toEqual([
      ['ops', 'assert.remove', 'queue'],
      ['ops', 'assert.update', 'queue'],
      ['ops', 'assert.add', 'queue'],
    ]);
  });

  it('rejects an invalid assert with 400 naming the field and position, changing nothing', async () => {
    const url = await start();
    const auth = { authorization: `Bearer ${WRITE}` };
    const bad = await request(url).put('/asserts/busy').set(auth).send({ expression: 'running(api) << 4' }).expect(400);
    expect(bad.body).toMatchObject({ error: 'invalid', field: 'expression' });
    expect(bad.body.message).toMatch(/at position 15/);
    const unknown = await request(url).put('/asserts/busy').set(auth).send({ expression: 'running(nope) < 4' }).expect(400);
    expect(unknown.body.message).toMatch(/unknown limit "nope"/);
    const extra = await request(url).put('/asserts/busy').set(auth).send({ expression: 'running(api) < 4', when: 'now' }).expect(400);
    expect(extra.body).toMatchObject({ field: 'when' });
    const badName = await request(url).put(`/asserts/${'x'.repeat(65)}`).set(auth).send({ expression: 'running(api) < 4' }).expect(400);
    expect(badName.body).toMatchObject({ field: 'name' });
    await request(url).put('/asserts/busy').set('authorization', `Bearer ${READ}`).send({ expression: 'running(api) < 9' }).expect(403);
    expect((await app.ballast.asserts.evaluate()).map((v) => v.expression)).toEqual(['running(api) < 4']);
    expect(app.ballast.audit.recent()).toEqual([]);
  });
});
