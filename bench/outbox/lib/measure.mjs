import { performance } from 'node:perf_hooks';

/** Runs `producers` loops calling `enqueue(i)` back to back for `durationMs`; returns ops/s. */
export async function closedLoop(producers, durationMs, enqueue) {
  let next = 0;
  let done = 0;
  const warmupEnd = performance.now() + Math.min(1000, durationMs / 5);
  let start = 0;
  let end = 0;
  let counting = false;
  const loops = Array.from({ length: producers }, async () => {
    for (;;) {
      const now = performance.now();
      if (!counting && now >= warmupEnd) {
        counting = true;
        start = now;
        end = now + durationMs;
      }
      if (counting && now >= end) return;
      await enqueue(next++);
      if (counting) done++;
    }
  });
  await Promise.all(loops);
  return done / ((performance.now() - start) / 1000);
}

/** Calls `send(i)` at a steady `ratePerSecond` (open loop: a slow send does not delay the next). */
export async function openLoop(ratePerSecond, durationMs, send) {
  const total = Math.round((ratePerSecond * durationMs) / 1000);
  const periodMs = 1000 / ratePerSecond;
  const start = performance.now();
  const pending = [];
  for (let i = 0; i < total; i++) {
    const due = start + i * periodMs;
    const wait = due - performance.now();
    if (wait > 1) await new Promise((r) => setTimeout(r, wait));
    pending.push(send(i));
  }
  await Promise.all(pending);
  return total;
}

export function percentile(sorted, p) {
  if (sorted.length === 0) return NaN;
  const index = Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1);
  return sorted[Math.max(0, index)];
}

/** Runs `task` with at most `limit` at once over `items`. */
export async function eachLimit(items, limit, task) {
  let index = 0;
  const lanes = Array.from({ length: Math.min(limit, items.length) }, async () => {
    while (index < items.length) await task(items[index++]);
  });
  await Promise.all(lanes);
}
