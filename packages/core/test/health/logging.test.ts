import { afterEach, describe, expect, it } from 'vitest';
import { createBallast, type Ballast, type Logger } from '@ballast/core';
import { until } from '@ballast/testkit';

/** A pino-compatible logger that keeps its lines. */
function capture(): Logger & { lines: { level: string; obj: object; msg: string | undefined }[] } {
  const lines: { level: string; obj: object; msg: string | undefined }[] = [];
  const at = (level: string) => (obj: object, msg?: string) => lines.push({ level, obj, msg });
  return { lines, debug: at('debug'), info: at('info'), warn: at('warn'), error: at('error') };
}

describe('structured logs', () => {
  let ballast: Ballast | undefined;
  afterEach(async () => {
    await ballast?.stop();
    ballast = undefined;
  });

  it('logs sheds sampled: one line per limit with the count and reasons, not one per request', async () => {
    const logger = capture();
    ballast = createBallast({ logger, limits: { closed: { maxConcurrent: 0 } } });
    await ballast.start();
    const limiter = ballast.limits.get('closed');
    for (let i = 0; i < 500; i++) limiter.acquire();
    await until(() => logger.lines.some((l) => l.msg === 'ballast: shedding load'));
    const sheds = logger.lines.filter((l) => l.msg === 'ballast: shedding load');
    expect(sheds).toHaveLength(1);
    expect(sheds[0]).toMatchObject({ level: 'warn', obj: { limit: 'closed', shed: 500, byReason: { closed: 500 } } });
  });

  it('logs assert transitions with the observed value', async () => {
    const logger = capture();
    ballast = createBallast({ logger, limits: { api: { maxConcurrent: 1 } }, asserts: { idle: 'running(api) < 1' } });
    ballast.limits.get('api').acquire();
    await ballast.asserts.evaluate();
    ballast.limits.get('api').release();
    await ballast.asserts.evaluate();
    expect(logger.lines.filter((l) => l.msg?.startsWith('ballast: assert')).map((l) => [l.level, l.msg, (l.obj as { observedValue: number }).observedValue])).toEqual([
      ['warn', 'ballast: assert failed', 1],
      ['info', 'ballast: assert recovered', 0],
    ]);
  });
});
