import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { createBallast, isInvalidMessageError, type InvalidMessageError } from '@ballast/core';
import { MemoryWindow } from '../../src/messaging/memoryWindow.js';

const flat = fc.oneof(fc.string(), fc.double({ noNaN: true, noDefaultInfinity: true }), fc.boolean(), fc.constant(null));
const notFlat = fc.oneof(
  fc.constant(Number.NaN),
  fc.constant(Number.POSITIVE_INFINITY),
  fc.constant(undefined),
  fc.array(fc.integer()),
  fc.dictionary(fc.string(), fc.integer()),
  fc.bigInt(),
);

describe('messages are flat maps (property)', () => {
  it('rejects exactly the messages with a non-flat value, naming the first such key', async () => {
    const ballast = createBallast({});
    await fc.assert(
      fc.asyncProperty(fc.dictionary(fc.string({ minLength: 1 }), fc.oneof(flat, notFlat), { maxKeys: 6 }), async (message) => {
        // Reference model: the first key (in insertion order) whose value is not flat.
        const bad = Object.entries(message).find(([, v]) => !(v === null || ['string', 'boolean'].includes(typeof v) || (typeof v === 'number' && Number.isFinite(v))));
        const error = await ballast.publish('prop.topic', message as never).then(
          () => undefined,
          (e: unknown) => e,
        );
        // No broker is configured: a valid message reaches the choice of broker and fails there, not at validation.
        if (bad === undefined) expect(isInvalidMessageError(error)).toBe(false);
        else expect((error as InvalidMessageError).key).toBe(bad[0]);
      }),
    );
  });
});

describe('in-memory dedupe window (property)', () => {
  it('remembers an id exactly as a list of the last N ids within the TTL does', () => {
    const ops = fc.array(fc.record({ add: fc.boolean(), id: fc.integer({ min: 0, max: 12 }), advanceMs: fc.integer({ min: 0, max: 40 }) }), { maxLength: 200 });
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 8 }), fc.integer({ min: 1, max: 100 }), ops, (maxIds, ttlMs, steps) => {
        const window = new MemoryWindow(maxIds, ttlMs);
        let model: { id: string; at: number }[] = [];
        let now = 0;
        for (const step of steps) {
          now += step.advanceMs;
          const id = String(step.id);
          model = model.filter((e) => now - e.at < ttlMs);
          if (step.add) {
            window.add(id, now);
            model = [...model.filter((e) => e.id !== id), { id, at: now }].slice(-maxIds);
          } else {
            expect(window.has(id, now)).toBe(model.some((e) => e.id === id));
          }
        }
      }),
    );
  });
});
