import type { ReceivedRequest } from '@ballast/testkit';
import { describe, expect, it } from 'vitest';
import { auditDeliveries } from './support/ledger.js';

// The fault tests are only as strict as this auditor: it must catch each kind of wrong delivery.
const request = (seq: number, key: string, worker: string, status = 200): ReceivedRequest => ({
  seq,
  path: `/${worker}`,
  idempotencyKey: key,
  destination: 'sink',
  key: undefined,
  attempt: 1,
  body: {},
  headers: {},
  status,
});

describe('delivery audit of the fault tests', () => {
  it('reports a message that was never answered 2xx as missing', () => {
    const report = auditDeliveries([request(1, 'a', 'w1'), request(2, 'b', 'w1', 503)], ['a', 'b']);
    expect(report.missing).toEqual(['b']);
  });

  it('reports a delivery nobody enqueued', () => {
    expect(auditDeliveries([request(1, 'a', 'w1'), request(2, 'x', 'w1')], ['a']).unexpected).toEqual(['x']);
  });

  it('rejects a second delivery when no worker was killed', () => {
    const report = auditDeliveries([request(1, 'a', 'w1'), request(2, 'a', 'w2')], ['a']);
    expect(report.illegalDuplicates).toHaveLength(1);
    expect(report.redelivered).toEqual([]);
  });

  it('allows a redelivery only after the worker that delivered first was killed', () => {
    const received = [request(1, 'a', 'w1'), request(2, 'b', 'w2'), request(5, 'a', 'w2'), request(6, 'b', 'w3')];
    const report = auditDeliveries(received, ['a', 'b'], [{ worker: 'w1', atSeq: 3 }]);
    expect(report.redelivered).toEqual(['a']);
    // 'b' was first delivered by w2, which was never killed.
    expect(report.illegalDuplicates).toEqual([expect.stringMatching(/^b: /)]);
  });

  it('rejects a redelivery that started before the kill, and one outside the window of lost acks', () => {
    const early = auditDeliveries([request(1, 'a', 'w1'), request(2, 'a', 'w2')], ['a'], [{ worker: 'w1', atSeq: 3 }]);
    expect(early.illegalDuplicates).toHaveLength(1);
    const outside = auditDeliveries([request(1, 'a', ''), request(9, 'a', '')], ['a'], [{ worker: '', fromSeq: 4, atSeq: 5 }]);
    expect(outside.illegalDuplicates).toHaveLength(1);
  });
});
