import { BallastError } from '../errors/index.js';

/** An optional peer dependency that a feature in use needs is not installed. */
export class MissingPeerError extends BallastError {
  static readonly code = 'BALLAST_MISSING_PEER';
  readonly packageName: string;

  constructor(packageName: string, feature: string, cause: unknown) {
    super(MissingPeerError.code, `${feature} needs the optional peer dependency "${packageName}": install it next to @ballast/core`, { cause });
    this.packageName = packageName;
  }
}

interface PromClientModule {
  Registry: new () => unknown;
}

interface OtelApiModule {
  metrics: { getMeter(name: string, version?: string): unknown };
}

/** Loads a CommonJS or ESM module whose exports may sit under `default` after interop. */
async function load<T>(specifier: string, feature: string, has: (m: Record<string, unknown>) => boolean): Promise<T> {
  let mod: Record<string, unknown>;
  try {
    mod = (await import(specifier)) as Record<string, unknown>;
  } catch (error) {
    throw new MissingPeerError(specifier, feature, error);
  }
  const candidate = has(mod) ? mod : (mod.default as Record<string, unknown> | undefined);
  if (candidate === undefined || !has(candidate)) throw new MissingPeerError(specifier, feature, new Error('unexpected module shape'));
  return candidate as T;
}

/** prom-client, loaded on first use only: core must work without it. */
export const loadPromClient = (): Promise<PromClientModule> =>
  load<PromClientModule>('prom-client', 'GET /metrics', (m) => typeof m.Registry === 'function');

/** @opentelemetry/api, loaded on first use only. */
export const loadOtelApi = (): Promise<OtelApiModule> =>
  load<OtelApiModule>('@opentelemetry/api', 'metrics.openTelemetry', (m) => typeof m.metrics === 'object' && m.metrics !== null);
