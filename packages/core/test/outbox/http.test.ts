import { getEventListeners } from 'node:events';
import { createServer, type AddressInfo } from 'node:net';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  httpDestination,
  isDeliveryError,
  isPermanentDeliveryError,
  parseRetryAfter,
  type DeliveryError,
  type OutboundMessage,
} from '@ballast/core';
import { startReceiver, type Receiver } from '@ballast/testkit';

const message: OutboundMessage = {
  id: '7',
  destination: 'billing',
  key: 'acct-1',
  idempotencyKey: '0190f3c2-0000-7000-8000-000000000001',
  payload: { amount: 3, tags: ['a'] },
  attempt: 2,
};

describe('httpDestination', () => {
  let rx: Receiver;
  beforeEach(async () => {
    rx = await startReceiver();
  });
  afterEach(async () => {
    await rx.close();
  });

  const send = (options = {}) => httpDestination(`${rx.url}/hook`, options)(message, new AbortController().signal);
  const failure = (options = {}) => send(options).then(() => undefined, (e: unknown) => e);

  it('POSTs the payload as JSON with idempotency and metadata headers', async () => {
    await send({ headers: { authorization: 'Bearer t' } });
    expect(rx.received[0]).toMatchObject({
      path: '/hook',
      body: { amount: 3, tags: ['a'] },
      idempotencyKey: message.idempotencyKey,
      destination: 'billing',
      key: 'acct-1',
      attempt: 2,
    });
    expect(rx.received[0]?.headers.authorization).toBe('Bearer t');
  });

  it('sends Host, and the extra headers beside its own, its own winning over an extra of the same name', async () => {
    const headers = { 'X-Tenant': 'a', 'Content-Type': 'text/plain', 'ballast-attempt': '9', 'Ballast-Key': 'from-options' };
    const deliver = httpDestination(`${rx.url}/hook`, { headers });
    await deliver(message, new AbortController().signal);
    await deliver({ ...message, key: undefined }, new AbortController().signal);
    const [keyed, unkeyed] = rx.received.map((r) => r.headers);
    expect(keyed).toMatchObject({ host: new URL(rx.url).host, 'x-tenant': 'a', 'content-type': 'application/json', 'ballast-attempt': '2', 'ballast-key': 'acct-1' });
    // The extras' Ballast-Key goes out only when the message has no key of its own.
    expect(unkeyed).toMatchObject({ 'content-type': 'application/json', 'ballast-key': 'from-options' });
  });

  it("keeps the URL's path, query and credentials on every request", async () => {
    const deliver = httpDestination(`${rx.url.replace('http://', 'http://user:p%40ss@')}/hook/v1?tenant=a&x=1`);
    await deliver(message, new AbortController().signal);
    await deliver({ ...message, attempt: 3 }, new AbortController().signal);
    expect(rx.received.map((r) => r.path)).toEqual(['/hook/v1?tenant=a&x=1', '/hook/v1?tenant=a&x=1']);
    expect(rx.received[1]?.headers.authorization).toBe(`Basic ${Buffer.from('user:p@ss').toString('base64')}`);
  });

  it.each([408, 429, 500, 503])('retries %i', async (status) => {
    rx.failNext(1, { status });
    const error = await failure();
    expect(isDeliveryError(error)).toBe(true);
    expect((error as DeliveryError).httpStatus).toBe(status);
  });

  it.each([400, 404, 409, 422])('gives up on %i', async (status) => {
    rx.failNext(1, { status });
    expect(isPermanentDeliveryError(await failure())).toBe(true);
  });

  it('carries Retry-After in seconds or as an HTTP-date', async () => {
    rx.failNext(1, { status: 429, retryAfter: 3 });
    expect(((await failure()) as DeliveryError).retryAfterMs).toBe(3000);
    expect(parseRetryAfter(new Date(Date.UTC(2030, 0, 1, 0, 0, 10)).toUTCString(), Date.UTC(2030, 0, 1))).toBe(10_000);
    expect(parseRetryAfter('soon')).toBeUndefined();
  });

  it('retries network errors and timeouts', async () => {
    rx.failNext(1, 'reset');
    expect(isDeliveryError(await failure())).toBe(true);
    rx.failNext(1, 'hang');
    const timedOut = await failure({ timeoutMs: 50 });
    expect(isDeliveryError(timedOut)).toBe(true);
    expect((timedOut as Error).message).toContain('timed out');
    const closed = httpDestination('http://127.0.0.1:1/nothing');
    expect(isDeliveryError(await closed(message, new AbortController().signal).catch((e: unknown) => e))).toBe(true);
  });

  it('stops when the worker aborts the attempt', async () => {
    rx.failNext(1, 'hang');
    const controller = new AbortController();
    const pending = httpDestination(rx.url)(message, controller.signal).catch((e: unknown) => e);
    await rx.waitForReceived(1);
    controller.abort('lease');
    expect(isDeliveryError(await pending)).toBe(true);
  });

  it('aborts every POST in flight under one signal, listening on it once whatever their number', async () => {
    const controller = new AbortController();
    const deliver = httpDestination(rx.url);
    const done = await deliver(message, controller.signal).then(() => 'delivered');
    rx.failNext(3, 'hang');
    const pending = [1, 2, 3].map((i) => deliver({ ...message, attempt: i }, controller.signal).catch((e: unknown) => e));
    await rx.waitForReceived(4);
    // One listener for the signal (not one per POST: node keeps removed listeners linked to their neighbours).
    expect(getEventListeners(controller.signal, 'abort')).toHaveLength(1);
    controller.abort('lease');
    for (const error of await Promise.all(pending)) expect(isDeliveryError(error)).toBe(true);
    expect(done).toBe('delivered');
  });

  it.each([
    ['answers 101 Switching Protocols (the request closes with neither a response nor an error)', 'HTTP/1.1 101 Switching Protocols\r\nUpgrade: x\r\nConnection: Upgrade\r\n\r\n'],
    ['sends the headers and part of the body, then closes', 'HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nab'],
    ['sends part of the headers, then closes', 'HTTP/1.1 200 OK\r\nContent-Le'],
  ])('fails, to be retried, when the downstream %s', async (_, answer) => {
    const server = createServer((socket) => socket.once('data', () => socket.end(answer)));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      const { port } = server.address() as AddressInfo;
      // A timeout far beyond the test's: only the request's own end may settle it.
      const error = await httpDestination(`http://127.0.0.1:${port}/`, { timeoutMs: 600_000 })(message, new AbortController().signal).catch((e: unknown) => e);
      expect(isDeliveryError(error)).toBe(true);
      expect(isPermanentDeliveryError(error)).toBe(false);
    } finally {
      await new Promise((resolve) => server.close(resolve));
    }
  });

  it('refuses a malformed URL at configuration', () => {
    expect(() => httpDestination('not a url')).toThrow();
  });
});
