import { describe, expect, it } from 'vitest';
import { DeadlineSweep, type Expiring } from '../../src/messaging/deadlines.js';

interface Entry extends Expiring {
  deadline: number;
  expired: number;
}

/** An entry that counts how often the sweep expired it; `onExpire` may re-add it (a retry). */
function entry(deadline: number, onExpire: (self: Entry) => void = () => {}): Entry {
  const self: Entry = {
    deadline,
    listedAt: -1,
    expired: 0,
    expire() {
      self.expired++;
      onExpire(self);
    },
  };
  return self;
}

const until = async (condition: () => boolean): Promise<void> => {
  while (!condition()) await new Promise((r) => setTimeout(r, 5));
};

describe('confirm deadlines (one sweep for every publish in flight)', () => {
  it('expires an entry once its deadline passed, and never one deleted before', async () => {
    const sweep = new DeadlineSweep();
    const due = entry(Date.now() + 20);
    const answered = entry(Date.now() + 20);
    sweep.add(due);
    sweep.add(answered);
    sweep.delete(answered);
    await until(() => due.expired > 0);
    expect(due.expired).toBe(1);
    expect(answered.expired).toBe(0);
  });

  it('deletes an entry that an earlier sweep carried over, so its deadline never fires', async () => {
    const sweep = new DeadlineSweep();
    // Answered before it, so that the sweep moves it up its list.
    const answered = [entry(Date.now() + 100), entry(Date.now() + 100)];
    for (const a of answered) sweep.add(a);
    const carried = entry(Date.now() + 100);
    sweep.add(carried);
    for (const a of answered) sweep.delete(a);
    // The sweep that expires this one has carried the others over (not yet due) into a fresh list.
    const probe = entry(Date.now());
    sweep.add(probe);
    await until(() => probe.expired > 0);
    sweep.delete(carried);
    const later = entry(carried.deadline + 20);
    sweep.add(later);
    await until(() => later.expired > 0);
    expect(carried.expired).toBe(0);
  });

  it('expires again an entry that its expiry added back with a new deadline (a retry on the next broker)', async () => {
    const sweep = new DeadlineSweep();
    const retried = entry(Date.now() + 10, (self) => {
      if (self.expired === 1) {
        self.deadline = Date.now() + 20;
        sweep.add(self);
      }
    });
    sweep.add(retried);
    await until(() => retried.expired === 2);
    await new Promise((r) => setTimeout(r, 40));
    expect(retried.expired).toBe(2);
  });
});
