import type { ReceivedRequest } from '@ballast/testkit';

/** Which worker sent a request: workers deliver to `<receiver>/<worker name>`. */
export const workerOf = (request: ReceivedRequest): string => request.path.replace(/^\//, '');

/** A moment after which a second delivery of what `worker` delivered is allowed. */
export interface RedeliveryWindow {
  /** The worker whose unacknowledged deliveries may be redelivered (killed, or cut off from the database). */
  worker: string;
  /** Only its deliveries with `seq` in (fromSeq, toSeq] may have gone unacknowledged (default: all). */
  fromSeq?: number;
  toSeq?: number;
  /** `receiver.received.length` when it happened: a redelivery must arrive after this. */
  atSeq: number;
}

export interface DeliveryReport {
  /** Expected idempotency keys that were never answered 2xx. */
  missing: string[];
  /** Keys answered 2xx that no test enqueued. */
  unexpected: string[];
  /** Keys delivered more than once where no window allowed it, with the reason. */
  illegalDuplicates: string[];
  /** Keys delivered more than once, legally. */
  redelivered: string[];
}

/**
 * Audits every 2xx the receiver recorded against what was enqueued. At-least-once
 * allows exactly one kind of duplicate: the earlier delivery was made by a worker
 * that then lost its lease without acknowledging (killed, or cut off from the
 * database) and the later one arrived after that happened. Anything else is a bug.
 */
export function auditDeliveries(
  received: readonly ReceivedRequest[],
  expectedKeys: Iterable<string>,
  windows: readonly RedeliveryWindow[] = [],
): DeliveryReport {
  const expected = new Set(expectedKeys);
  const byKey = new Map<string, ReceivedRequest[]>();
  for (const r of received) {
    if (r.status < 200 || r.status >= 300 || r.idempotencyKey === undefined) continue;
    const list = byKey.get(r.idempotencyKey) ?? [];
    list.push(r);
    byKey.set(r.idempotencyKey, list);
  }
  const report: DeliveryReport = { missing: [], unexpected: [], illegalDuplicates: [], redelivered: [] };
  for (const key of expected) if (!byKey.has(key)) report.missing.push(key);
  for (const [key, deliveries] of byKey) {
    if (!expected.has(key)) report.unexpected.push(key);
    if (deliveries.length < 2) continue;
    const problem = deliveries.slice(1).map((later, i) => illegalBecause(deliveries[i]!, later, windows)).find((p) => p);
    if (problem) report.illegalDuplicates.push(`${key}: ${problem}`);
    else report.redelivered.push(key);
  }
  return report;
}

function illegalBecause(earlier: ReceivedRequest, later: ReceivedRequest, windows: readonly RedeliveryWindow[]): string | undefined {
  const by = workerOf(earlier);
  const window = windows.find(
    (w) => w.worker === by && earlier.seq > (w.fromSeq ?? 0) && earlier.seq <= (w.toSeq ?? Infinity) && later.seq > w.atSeq,
  );
  if (window) return undefined;
  return `delivered as #${earlier.seq} by '${by}' and again as #${later.seq} by '${workerOf(later)}' with no kill or outage in between`;
}

/** Requests grouped by idempotency key, in arrival order. */
export function attemptsByKey(received: readonly ReceivedRequest[]): Map<string, ReceivedRequest[]> {
  const map = new Map<string, ReceivedRequest[]>();
  for (const r of received) {
    if (r.idempotencyKey === undefined) continue;
    const list = map.get(r.idempotencyKey) ?? [];
    list.push(r);
    map.set(r.idempotencyKey, list);
  }
  return map;
}
