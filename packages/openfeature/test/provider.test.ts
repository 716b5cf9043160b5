import { createBallast, flagBucket, type Ballast } from '@ballast/core';
import { BallastProvider } from '@ballast/openfeature';
import { ErrorCode, OpenFeature, ProviderEvents, ProviderStatus, StandardResolutionReasons } from '@openfeature/server-sdk';
import { afterEach, describe, expect, it } from 'vitest';
import { SECRET, admin } from './support/admin.js';

function ballastWith(extra: Parameters<typeof createBallast>[0] = {}): Ballast {
  return createBallast({
    flags: {
      everywhere: { stage: 'all', percent: 100 },
      betaTenth: { stage: 'beta', percent: 10 },
      dark: { stage: 'off' },
    },
    admin: { tokens: { ops: { secret: SECRET, role: 'write' } } },
    ...extra,
  });
}

describe('BallastProvider through the OpenFeature SDK', () => {
  const started: Ballast[] = [];

  afterEach(async () => {
    await OpenFeature.close();
    OpenFeature.clearHandlers();
    for (const b of started.splice(0)) await b.stop();
  });

  async function ready(ballast: Ballast = ballastWith()): Promise<Ballast> {
    started.push(ballast);
    await OpenFeature.setProviderAndWait(new BallastProvider(ballast));
    return ballast;
  }

  it('announces PROVIDER_READY only once ballast.start() has resolved', async () => {
    const ballast = ballastWith();
    started.push(ballast);
    const order: string[] = [];
    OpenFeature.addHandler(ProviderEvents.Ready, () => order.push('ready'));
    const provider = new BallastProvider({
      flags: ballast.flags,
      events: ballast.events,
      fleet: ballast.fleet,
      start: async () => {
        order.push('start called');
        await ballast.start();
        order.push('start resolved');
      },
    });
    OpenFeature.setProvider(provider);
    expect(OpenFeature.getClient().providerStatus).toBe(ProviderStatus.NOT_READY);
    await new Promise<void>((resolve) => OpenFeature.addHandler(ProviderEvents.Ready, () => resolve()));
    expect(order).toEqual(['start called', 'start resolved', 'ready']);
    expect(OpenFeature.getClient().providerStatus).toBe(ProviderStatus.READY);
  });

  it('answers each reason: TARGETING_MATCH for a ring fully on, SPLIT by the sticky bucket, DISABLED, DEFAULT', async () => {
    await ready();
    const client = OpenFeature.getClient();
    const everywhere = await client.getBooleanDetails('everywhere', false, { targetingKey: 'acct-1' });
    expect(everywhere).toMatchObject({ value: true, reason: StandardResolutionReasons.TARGETING_MATCH, variant: 'on' });
    expect(await client.getBooleanDetails('betaTenth', false, { stage: 'internal' })).toMatchObject({
      value: true,
      reason: StandardResolutionReasons.TARGETING_MATCH,
    });
    expect(await client.getBooleanDetails('betaTenth', true, { stage: 'all', targetingKey: 'acct-1' })).toMatchObject({
      value: false,
      reason: StandardResolutionReasons.DEFAULT,
    });
    expect(await client.getBooleanDetails('dark', true, { stage: 'internal' })).toMatchObject({ value: false, reason: StandardResolutionReasons.DISABLED });
    for (const key of ['acct-1', 'acct-2', 'acct-3', 'acct-42', 'acct-1000']) {
      const details = await client.getBooleanDetails('betaTenth', false, { stage: 'beta', targetingKey: key });
      expect(details.reason).toBe(StandardResolutionReasons.SPLIT);
      expect(details.value).toBe(flagBucket('betaTenth', key) <= 10);
      expect(details.flagMetadata).toMatchObject({ stage: 'beta', percent: 10, ring: 'beta', bucket: flagBucket('betaTenth', key) });
    }
  });

  it('keeps a targeting key in its bucket, and opens a tenth of keys at 10 %', async () => {
    await ready();
    const client = OpenFeature.getClient();
    const keys = Array.from({ length: 2000 }, (_, i) => `account-${i}`);
    const first = await Promise.all(keys.map((targetingKey) => client.getBooleanValue('betaTenth', false, { stage: 'beta', targetingKey })));
    const again = await Promise.all(keys.map((targetingKey) => client.getBooleanValue('betaTenth', false, { stage: 'beta', targetingKey })));
    expect(again).toEqual(first);
    const share = first.filter(Boolean).length / keys.length;
    expect(share).toBeGreaterThan(0.07);
    expect(share).toBeLessThan(0.13);
  });

  it('uses the instance stage when the context names none', async () => {
    await ready(ballastWith({ stage: 'internal' }));
    expect(await OpenFeature.getClient().getBooleanDetails('betaTenth', false)).toMatchObject({
      value: true,
      reason: StandardResolutionReasons.TARGETING_MATCH,
      flagMetadata: { ring: 'internal' },
    });
  });

  it('resolves an unknown flag to the default with FLAG_NOT_FOUND, a non-boolean call with TYPE_MISMATCH, a non-string stage with INVALID_CONTEXT', async () => {
    await ready();
    const client = OpenFeature.getClient();
    expect(await client.getBooleanDetails('nope', true)).toMatchObject({ value: true, reason: 'ERROR', errorCode: ErrorCode.FLAG_NOT_FOUND });
    expect(await client.getStringDetails('nope', 'x')).toMatchObject({ value: 'x', errorCode: ErrorCode.FLAG_NOT_FOUND });
    expect(await client.getStringDetails('everywhere', 'x')).toMatchObject({ value: 'x', reason: 'ERROR', errorCode: ErrorCode.TYPE_MISMATCH });
    expect(await client.getNumberDetails('everywhere', 7)).toMatchObject({ value: 7, errorCode: ErrorCode.TYPE_MISMATCH });
    expect(await client.getObjectDetails('everywhere', { a: 1 })).toMatchObject({ value: { a: 1 }, errorCode: ErrorCode.TYPE_MISMATCH });
    expect(await client.getBooleanDetails('everywhere', false, { stage: 3 })).toMatchObject({ value: false, errorCode: ErrorCode.INVALID_CONTEXT });
  });

  it('emits PROVIDER_CONFIGURATION_CHANGED with flagsChanged on every change, and evaluates the new state at once', async () => {
    const ballast = await ready();
    const changed: string[] = [];
    OpenFeature.addHandler(ProviderEvents.ConfigurationChanged, (details) => changed.push(String(details?.flagsChanged)));
    const reply = await admin(ballast, 'PATCH', '/flags/betaTenth', { stage: 'all', percent: 100 });
    expect(reply.status).toBe(200);
    await ballast.flags.promote('dark', { actor: 'ops' });
    await new Promise((resolve) => setImmediate(resolve));
    expect(changed).toEqual(['betaTenth', 'dark']);
    expect(await OpenFeature.getClient().getBooleanDetails('betaTenth', false, { stage: 'all' })).toMatchObject({
      value: true,
      reason: StandardResolutionReasons.TARGETING_MATCH,
    });
  });

  it('stops relaying Ballast events once OpenFeature is closed, and leaves Ballast running', async () => {
    const ballast = await ready();
    const changed: unknown[] = [];
    OpenFeature.addHandler(ProviderEvents.ConfigurationChanged, (details) => changed.push(details));
    await OpenFeature.close();
    await ballast.flags.promote('dark', { actor: 'ops' });
    await new Promise((resolve) => setImmediate(resolve));
    expect(changed).toEqual([]);
    expect(ballast.flags.enabled('dark', { stage: 'internal' })).toBe(true);
  });
});
