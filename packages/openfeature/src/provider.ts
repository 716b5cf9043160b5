import { isUnknownFlagError, type Ballast, type FlagEvaluation } from '@ballast/core';
import {
  FlagNotFoundError,
  InvalidContextError,
  OpenFeatureEventEmitter,
  ProviderEvents,
  TypeMismatchError,
  type EvaluationContext,
  type JsonValue,
  type Provider,
  type ResolutionDetails,
} from '@openfeature/server-sdk';
import { OPENFEATURE_REASONS } from './reasons.js';

/** What the provider uses of a Ballast instance. */
export type BallastForProvider = Pick<Ballast, 'flags' | 'events' | 'fleet' | 'start'>;

/**
 * An OpenFeature server provider over Ballast's staged-rollout flags. Flags are
 * boolean: `targetingKey` is the sticky key of the percentage bucket and the
 * context attribute `stage` the ring (default: the instance's `stage`).
 *
 * Events: `PROVIDER_READY` once `ballast.start()` resolved (the provider starts it),
 * `PROVIDER_CONFIGURATION_CHANGED` with `flagsChanged` on every flag change (admin,
 * guard rollback, fleet), `PROVIDER_STALE` while the fleet store is unreachable and
 * `PROVIDER_READY` again when it is back. Evaluations keep answering while stale,
 * from the last known flag states.
 *
 * @example
 * import { OpenFeature } from '@openfeature/server-sdk';
 * import { BallastProvider } from '@ballast/openfeature';
 *
 * await OpenFeature.setProviderAndWait(new BallastProvider(ballast));
 * const client = OpenFeature.getClient();
 * const on = await client.getBooleanValue('newCheckout', false, { targetingKey: accountId, stage: 'beta' });
 */
export class BallastProvider implements Provider {
  readonly metadata = { name: 'ballast' } as const;
  readonly runsOn = 'server' as const;
  readonly events = new OpenFeatureEventEmitter();
  readonly #ballast: BallastForProvider;
  #unsubscribe: (() => void)[] = [];
  #initialized = false;
  #stale = false;

  constructor(ballast: BallastForProvider) {
    this.#ballast = ballast;
  }

  /** Called by the SDK: starts Ballast (safe if already started); the SDK announces `PROVIDER_READY` when it resolves. */
  async initialize(): Promise<void> {
    this.#subscribe();
    await this.#ballast.start();
    this.#initialized = true;
    const fleet = this.#ballast.fleet;
    if (fleet?.sync !== undefined && !fleet.connected) {
      this.#stale = true;
      // The SDK announces READY when this promise resolves; STALE has to come after it.
      setImmediate(() => {
        if (this.#stale) this.events.emit(ProviderEvents.Stale, { message: 'ballast: fleet store unreachable since start' });
      });
    }
  }

  /** Called by the SDK when the provider is replaced or OpenFeature closes; Ballast itself keeps running (it is yours to stop). */
  async onClose(): Promise<void> {
    for (const off of this.#unsubscribe.splice(0)) off();
    this.#initialized = false;
    this.#stale = false;
  }

  async resolveBooleanEvaluation(flagKey: string, _defaultValue: boolean, context: EvaluationContext): Promise<ResolutionDetails<boolean>> {
    const evaluation = this.#evaluate(flagKey, context);
    return {
      value: evaluation.value,
      variant: evaluation.value ? 'on' : 'off',
      reason: OPENFEATURE_REASONS[evaluation.reason],
      flagMetadata: {
        stage: evaluation.state.stage,
        percent: evaluation.state.percent,
        ring: evaluation.ring,
        version: evaluation.version,
        ...(evaluation.bucket === undefined ? {} : { bucket: evaluation.bucket }),
      },
    };
  }

  resolveStringEvaluation(flagKey: string): Promise<ResolutionDetails<string>> {
    return this.#notBoolean(flagKey, 'string');
  }

  resolveNumberEvaluation(flagKey: string): Promise<ResolutionDetails<number>> {
    return this.#notBoolean(flagKey, 'number');
  }

  resolveObjectEvaluation<T extends JsonValue>(flagKey: string): Promise<ResolutionDetails<T>> {
    return this.#notBoolean(flagKey, 'object');
  }

  #evaluate(flagKey: string, context: EvaluationContext): FlagEvaluation {
    const stage = context.stage;
    if (stage !== undefined && typeof stage !== 'string') throw new InvalidContextError('the "stage" context attribute must be a string (a ring)');
    try {
      return this.#ballast.flags.evaluate(flagKey, { stage, key: context.targetingKey });
    } catch (error) {
      if (isUnknownFlagError(error)) throw new FlagNotFoundError(error.message);
      throw error;
    }
  }

  async #notBoolean(flagKey: string, type: string): Promise<never> {
    if (!this.#ballast.flags.has(flagKey)) throw new FlagNotFoundError(`Unknown flag "${flagKey}"`);
    throw new TypeMismatchError(`Flag "${flagKey}" is boolean; it was resolved as ${type}`);
  }

  #subscribe(): void {
    if (this.#unsubscribe.length > 0) return;
    const events = this.#ballast.events;
    this.#unsubscribe.push(
      events.on('flag:changed', ({ name }) => this.events.emit(ProviderEvents.ConfigurationChanged, { flagsChanged: [name] })),
      events.on('fleet:disconnected', () => {
        if (!this.#initialized || this.#stale) return;
        this.#stale = true;
        this.events.emit(ProviderEvents.Stale, { message: 'ballast: fleet store unreachable; flags keep their last known states' });
      }),
      events.on('fleet:connected', () => {
        if (!this.#initialized || !this.#stale) return;
        this.#stale = false;
        this.events.emit(ProviderEvents.Ready, { message: 'ballast: fleet store reachable again; flags in step' });
      }),
    );
  }
}
