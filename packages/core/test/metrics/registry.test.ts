import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { once } from 'node:events';
import { afterEach, describe, expect, it } from 'vitest';
import { Registry, register as globalRegistry, type OpenMetricsContentType } from 'prom-client';
import { createBallast, type Ballast, type OtelMeter } from '@ballast/core';
import { observeNode } from '@ballast/core/adapter';

/** A real node server whose requests go through observeNode, as the adapters do. */
async function serve(ballast: Ballast): Promise<{ url: string; close(): Promise<void> }> {
  const server = http.createServer((req, res) => {
    observeNode(ballast.observer, req, res, (r) => (r.url?.startsWith('/items/') ? '/items/:id' : undefined), req);
    res.end('ok');
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

describe('metrics registry and OpenTelemetry', () => {
  let ballast: Ballast | undefined;
  afterEach(async () => {
    await ballast?.stop();
    ballast = undefined;
  });

  it('registers into the registry the user passes, and never into the global one', async () => {
    const registry = new Registry();
    ballast = createBallast({ limits: { api: { maxConcurrent: 2 } }, metrics: { registry } });
    // Present before anyone asks Ballast: the user may scrape their registry directly.
    expect(await registry.metrics()).toContain('ballast_limit_running{limit="api"} 0');
    expect(await ballast.metrics.registry()).toBe(registry);
    expect(await globalRegistry.metrics()).not.toContain('ballast_');
  });

  it('renders counters right in an OpenMetrics registry', async () => {
    const registry = new Registry<OpenMetricsContentType>();
    registry.setContentType(Registry.OPENMETRICS_CONTENT_TYPE);
    ballast = createBallast({ limits: { api: { maxConcurrent: 2 } }, metrics: { registry } });
    const { body, contentType } = await ballast.metrics.text();
    expect(contentType).toMatch(/^application\/openmetrics-text/);
    expect(body).toContain('# TYPE ballast_limit_admitted counter');
    expect(body).toContain('ballast_limit_admitted_total{limit="api"} 0');
    expect(body).not.toContain('_total_total');
  });

  it('uses a registry of its own by default', async () => {
    ballast = createBallast({ limits: { api: { maxConcurrent: 2 } } });
    const { body, contentType } = await ballast.metrics.text();
    expect(contentType).toMatch(/^text\/plain/);
    expect(body).toContain('# TYPE ballast_limit_admitted_total counter');
    expect(await globalRegistry.metrics()).not.toContain('ballast_');
  });

  it('refuses a registry that already holds another instance\'s metrics, naming the field', () => {
    const registry = new Registry();
    ballast = createBallast({ metrics: { registry } });
    expect(() => createBallast({ metrics: { registry } })).toThrow(/metrics\.registry: cannot take Ballast's metrics/);
  });

  it('rejects a registry or meter that is not one, naming the field', () => {
    expect(() => createBallast({ metrics: { registry: {} as never } })).toThrow(/metrics\.registry: must be a prom-client Registry/);
    expect(() => createBallast({ metrics: { openTelemetry: { meter: {} as never } } })).toThrow(/metrics\.openTelemetry: must be true, false or \{ meter \}/);
  });

  it('loads @opentelemetry/api on start for openTelemetry: true and records through the global meter provider', async () => {
    ballast = createBallast({ metrics: { openTelemetry: true } });
    expect(ballast.observer.sink).toBeUndefined();
    await ballast.start();
    expect(ballast.observer.sink).toBeTypeOf('function');
    ballast.observer.end('/a', 200, ballast.observer.begin({}));
    expect(ballast.observer.windowHistogram('/a').count).toBe(1);
  });

  it('reports the same measures through an OpenTelemetry meter', async () => {
    const observed = new Map<string, { value: number; attributes?: Record<string, string> }[]>();
    const recorded: { name: string; value: number; attributes?: Record<string, string> }[] = [];
    const callbacks: (() => Promise<void>)[] = [];
    const observable = (name: string) => ({
      addCallback(cb: (r: { observe(v: number, a?: Record<string, string>): void }) => void | Promise<void>) {
        callbacks.push(async () => {
          const values: { value: number; attributes?: Record<string, string> }[] = [];
          await cb({ observe: (value, attributes) => values.push({ value, ...(attributes ? { attributes } : {}) }) });
          observed.set(name, values);
        });
      },
    });
    const meter: OtelMeter = {
      createObservableGauge: observable,
      createObservableCounter: observable,
      createHistogram: (name) => ({ record: (value, attributes) => recorded.push({ name, value, ...(attributes ? { attributes } : {}) }) }),
    };
    ballast = createBallast({ limits: { api: { maxConcurrent: 3 } }, metrics: { openTelemetry: { meter } } });
    await ballast.start();
    const app = await serve(ballast);
    try {
      await fetch(`${app.url}/items/7`).then((r) => r.text());
      await fetch(`${app.url}/elsewhere`).then((r) => r.text());
    } finally {
      await app.close();
    }
    for (const cb of callbacks) await cb();
    expect(observed.get('ballast_limit_max_concurrent')).toEqual([{ value: 3, attributes: { limit: 'api' } }]);
    expect(observed.get('ballast_limit_admitted')).toEqual([{ value: 0, attributes: { limit: 'api' } }]);
    expect(recorded.map((r) => r.attributes)).toEqual([
      { route: '/items/:id', status_class: '2xx' },
      { route: 'unmatched', status_class: '2xx' },
    ]);
    for (const r of recorded) expect(r.name).toBe('ballast_http_request_duration');
    for (const r of recorded) expect(r.value).toBeGreaterThan(0);
  });
});
