import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import { closeServer } from './server.js';

/** One request the receiver saw, with the answer it gave. */
export interface ReceivedRequest {
  /** Arrival order, from 1. */
  seq: number;
  path: string;
  idempotencyKey: string | undefined;
  destination: string | undefined;
  /** The `Ballast-Key` header (the ordering key), if any. */
  key: string | undefined;
  /** The `Ballast-Attempt` header as a number (NaN when absent). */
  attempt: number;
  /** The parsed JSON body (the raw text when it is not JSON). */
  body: unknown;
  headers: IncomingMessage['headers'];
  /** The status the receiver answered (0 for a dropped connection). */
  status: number;
}

/**
 * How to answer one request: a status (with optional `Retry-After` and a delay
 * before answering), `'reset'` to destroy the socket (a network error), or
 * `'hang'` to never answer (until the client gives up or the receiver closes).
 */
export type Answer = { status: number; retryAfter?: string | number; delayMs?: number; body?: unknown } | 'reset' | 'hang';

/** Decides the answer for a request; return `undefined` to fall through to the default (200). */
export type Script = (req: ReceivedRequest) => Answer | undefined;

/**
 * A real HTTP downstream on port 0 that records every request and its
 * `Idempotency-Key`, and can be scripted to fail: for the next N requests,
 * for a period, or by any rule.
 *
 * @example
 * const rx = await startReceiver();
 * rx.failNext(2, { status: 503 });
 * rx.failFor(500, { status: 429, retryAfter: 1 });
 * await rx.waitForDelivered(10);
 * expect(rx.deliveredKeys().size).toBe(10);
 * await rx.close();
 */
export interface Receiver {
  readonly url: string;
  readonly port: number;
  /** Every request, in arrival order, including failed ones. */
  readonly received: readonly ReceivedRequest[];
  /** The requests answered 2xx, in arrival order. */
  delivered(): ReceivedRequest[];
  /** Distinct idempotency keys answered 2xx. */
  deliveredKeys(): Set<string>;
  /** Answers the next `count` requests with `answer`. Stacks with earlier calls (FIFO). */
  failNext(count: number, answer: Answer): void;
  /** Answers every request with `answer` for `ms` milliseconds from now. */
  failFor(ms: number, answer: Answer): void;
  /** Answers every request with `answer` until `heal()`. */
  failAlways(answer: Answer): void;
  /** Installs a rule consulted before the default answer (after failNext/failFor/failAlways). */
  script(rule: Script | undefined): void;
  /** Clears every failure mode: the receiver answers 200 again. */
  heal(): void;
  /** Resolves once `count` requests in total were answered 2xx. */
  waitForDelivered(count: number, timeoutMs?: number): Promise<void>;
  /** Resolves once `count` requests in total arrived (any answer). */
  waitForReceived(count: number, timeoutMs?: number): Promise<void>;
  close(): Promise<void>;
}

/** Starts a receiver on 127.0.0.1, port 0. */
export async function startReceiver(): Promise<Receiver> {
  const received: ReceivedRequest[] = [];
  const queued: Answer[] = [];
  let until: { answer: Answer; endsAt: number } | undefined;
  let rule: Script | undefined;
  const waiters = new Set<() => void>();
  const notify = (): void => waiters.forEach((w) => w());

  const choose = (req: ReceivedRequest): Answer => {
    const next = queued.shift();
    if (next !== undefined) return next;
    if (until !== undefined && Date.now() < until.endsAt) return until.answer;
    return rule?.(req) ?? { status: 200 };
  };

  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => handle(req, res, Buffer.concat(chunks).toString('utf8')));
  });

  function handle(req: IncomingMessage, res: ServerResponse, text: string): void {
    let body: unknown = text;
    try {
      body = JSON.parse(text);
    } catch {
      // keep the raw text
    }
    const header = (name: string): string | undefined => {
      const v = req.headers[name];
      return Array.isArray(v) ? v.join(', ') : v;
    };
    const record: ReceivedRequest = {
      seq: received.length + 1,
      path: req.url ?? '/',
      idempotencyKey: header('idempotency-key'),
      destination: header('ballast-destination'),
      key: header('ballast-key'),
      attempt: Number(header('ballast-attempt')),
      body,
      headers: req.headers,
      status: 0,
    };
    received.push(record);
    notify();
    const answer = choose(record);
    if (answer === 'hang') return;
    if (answer === 'reset') {
      req.socket.destroy();
      notify();
      return;
    }
    const reply = (): void => {
      record.status = answer.status;
      const headers: Record<string, string> = { 'content-type': 'application/json' };
      if (answer.retryAfter !== undefined) headers['retry-after'] = String(answer.retryAfter);
      res.writeHead(answer.status, headers).end(JSON.stringify(answer.body ?? { ok: answer.status < 300 }));
      notify();
    };
    if (answer.delayMs !== undefined && answer.delayMs > 0) setTimeout(reply, answer.delayMs);
    else reply();
  }

  const waitFor = (predicate: () => boolean, timeoutMs: number, what: () => string): Promise<void> =>
    new Promise((resolve, reject) => {
      if (predicate()) return resolve();
      const check = (): void => {
        if (!predicate()) return;
        cleanup();
        resolve();
      };
      const timer = setTimeout(() => {
        cleanup();
        reject(new Error(`receiver: timed out after ${timeoutMs} ms waiting for ${what()}`));
      }, timeoutMs);
      const cleanup = (): void => {
        clearTimeout(timer);
        waiters.delete(check);
      };
      waiters.add(check);
    });

  const delivered = (): ReceivedRequest[] => received.filter((r) => r.status >= 200 && r.status < 300);
  server.keepAliveTimeout = 5000;
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;

  return {
    url: `http://127.0.0.1:${port}`,
    port,
    received,
    delivered,
    deliveredKeys: () => new Set(delivered().flatMap((r) => (r.idempotencyKey === undefined ? [] : [r.idempotencyKey]))),
    failNext: (count, answer) => {
      for (let i = 0; i < count; i++) queued.push(answer);
    },
    failFor: (ms, answer) => {
      until = { answer, endsAt: Date.now() + ms };
    },
    failAlways: (answer) => {
      until = { answer, endsAt: Number.POSITIVE_INFINITY };
    },
    script: (r) => {
      rule = r;
    },
    heal: () => {
      queued.length = 0;
      until = undefined;
      rule = undefined;
    },
    waitForDelivered: (count, timeoutMs = 10_000) =>
      waitFor(() => delivered().length >= count, timeoutMs, () => `${count} deliveries (have ${delivered().length})`),
    waitForReceived: (count, timeoutMs = 10_000) =>
      waitFor(() => received.length >= count, timeoutMs, () => `${count} requests (have ${received.length})`),
    close: () => {
      waiters.clear();
      return closeServer(server);
    },
  };
}
