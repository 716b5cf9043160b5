import type { IncomingMessage } from 'node:http';
import type { AuditLog } from '../admin/audit.js';
import { VersionConflictError } from '../errors/index.js';
import type { SafeEmitter } from '../events/index.js';
import { versionMatches } from '../http/etag.js';
import type { Logger } from '../util/logger.js';
import { FlagChanges, sameState, storedAction, type FlagChangeListener, type FlagChangeOptions } from './changes.js';
import { Flag, REASONS, isOn } from './flag.js';
import { FlagStepError, UnknownFlagError, registerFlagErrorStatuses } from './errors.js';
import { GuardLedger } from './ledger.js';
import { NodeFlagRequest } from './request.js';
import type { Cohort, FlagRequest, ResolvedRollout } from './options.js';
import { parseFlagDefinition, parseFlagPatch, ranker, type FlagDefinition, type FlagState } from './settings.js';
import type { FlagAction, FlagContext, FlagEvaluation, FlagEvents, FlagView } from './types.js';
import { flagView } from './views.js';

/**
 * The feature flags of one instance: the rings, each flag's state, and the
 * decision for a ring and key. Changes are validated by the same schema as the
 * constructor, audited and emitted as `flag:changed` (see `FlagChanges`).
 */
export class FlagRegistry {
  /** This instance's ring. */
  readonly stage: string;
  /** The rings, narrowest first. */
  readonly stages: readonly string[];
  readonly #flags = new Map<string, Flag>();
  /** The flag `get` answered last: most requests ask for the same one or two, and a name compared is cheaper than one hashed. */
  #lastName: string | undefined;
  #lastFlag: Flag | undefined;
  readonly #rings = new Map<string, number>();
  readonly #instanceRing: number;
  readonly #cohort: ((request: FlagRequest) => Cohort) | undefined;
  /** What `cohort` sees of a request (see `NodeFlagRequest`). */
  readonly #view = new NodeFlagRequest();
  readonly #rank: (state: FlagState) => number;
  readonly #changes: FlagChanges;
  /** What the guards leave behind: watches and last rollbacks. */
  readonly guards: GuardLedger;

  constructor(
    definitions: Record<string, FlagDefinition>,
    rollout: ResolvedRollout,
    deps: { audit: AuditLog; events: SafeEmitter<FlagEvents>; logger: Logger },
  ) {
    registerFlagErrorStatuses();
    this.stage = rollout.stage;
    this.stages = rollout.stages;
    this.stages.forEach((ring, i) => this.#rings.set(ring, i));
    this.#instanceRing = this.ringOf(rollout.stage);
    this.#cohort = rollout.cohort;
    this.#rank = ranker(this.stages);
    this.guards = new GuardLedger(deps);
    this.#changes = new FlagChanges(this.stages, this.guards, deps);
    for (const [name, input] of Object.entries(definitions)) {
      this.#flags.set(name, new Flag(parseFlagDefinition(name, input, this.stages), this.stages));
    }
  }

  names(): string[] {
    return [...this.#flags.keys()];
  }

  has(name: string): boolean {
    return this.#flags.has(name);
  }

  /** The flag itself; throws `UnknownFlagError`. */
  get(name: string): Flag {
    if (name === this.#lastName) return this.#lastFlag!;
    const flag = this.#flags.get(name);
    if (flag === undefined) throw new UnknownFlagError(name);
    this.#lastName = name;
    this.#lastFlag = flag;
    return flag;
  }

  /** The index of a ring in `stages`; a ring not in them counts as the widest, none as the instance's. */
  ringOf(stage: string | undefined): number {
    if (stage === undefined) return this.#instanceRing;
    return this.#rings.get(stage) ?? this.stages.length - 1;
  }

  /**
   * Whether flag `name` is on for `ctx` (ring default: this instance's; no key: a random bucket).
   * Throws `UnknownFlagError` for a name that was never declared.
   *
   * @example
   * ballast.flags.enabled('newCheckout', { stage: 'beta', key: 'acct-42' });
   */
  enabled(name: string, ctx?: FlagContext): boolean {
    return isOn(this.get(name).decide(this.ringOf(ctx?.stage), ctx?.key));
  }

  /** Like `enabled`, with the reason and the state it used. */
  evaluate(name: string, ctx?: FlagContext): FlagEvaluation {
    const flag = this.get(name);
    const ring = this.ringOf(ctx?.stage);
    const decision = flag.decide(ring, ctx?.key);
    const reason = REASONS[decision] ?? 'ring-off';
    return {
      name,
      value: isOn(decision),
      reason,
      ring: ctx?.stage ?? this.stage,
      ...(reason === 'bucket' ? { bucket: flag.lastBucket } : {}),
      state: { ...flag.state },
      version: flag.version,
    };
  }

  /**
   * Who a request is, from `rollout.cohort` (`undefined` without one: the instance's
   * ring, no key; `ringOf` turns its stage into a ring). The cohort sees a view that
   * reads the request only for the fields it asks for, and only during the call.
   */
  cohortOf(req: IncomingMessage): Cohort | undefined {
    const cohort = this.#cohort;
    return cohort === undefined ? undefined : (this.#view.ask(cohort, req) ?? undefined);
  }

  state(name: string): FlagState {
    return { ...this.get(name).state };
  }

  view(name: string): FlagView {
    return flagView(this.get(name), this.stages, this.guards);
  }

  views(): Record<string, FlagView> {
    return Object.fromEntries(this.names().map((name) => [name, this.view(name)]));
  }

  /** Validates a change and merges it over the current state; throws `InvalidSettingsError` naming the field. */
  resolvePatch(name: string, patch: unknown, base: FlagState = this.get(name).state): FlagState {
    return { ...base, ...parseFlagPatch(patch, this.stages) };
  }

  /** The step `promote` (first wider) or `rollback` (last narrower) would move to; throws `FlagStepError` past an end. */
  nextStep(name: string, direction: 'promote' | 'rollback'): FlagState {
    const flag = this.get(name);
    const current = this.#rank(flag.state);
    const step =
      direction === 'promote'
        ? flag.steps.find((s) => this.#rank(s) > current)
        : flag.steps.findLast((s) => this.#rank(s) < current);
    if (step === undefined) throw new FlagStepError(name, direction);
    return { ...step };
  }

  /** Whether `after` turns the flag on for more requests than `before`. */
  widens(before: FlagState, after: FlagState): boolean {
    return this.#rank(after) > this.#rank(before);
  }

  /**
   * Sets a flag's state on this instance (the admin API goes through the fleet store in fleet mode).
   *
   * @example
   * ballast.flags.set('newCheckout', { stage: 'beta', percent: 10 }, { actor: 'deploy' });
   */
  set(name: string, patch: unknown, options: FlagChangeOptions = {}, action: FlagAction = 'flag.update'): FlagView {
    const flag = this.get(name);
    const after = this.resolvePatch(name, patch);
    this.#checkVersion(flag, options.ifVersion);
    // A change that changes nothing leaves the version and the audit log as they were.
    if (sameState(flag.state, after)) return this.view(name);
    this.#changes.apply(flag, after, { actor: options.actor ?? 'code', action, version: flag.version + 1, initial: false });
    flag.overridden = true;
    return this.view(name);
  }

  /** Moves to the next wider step of the flag's `steps`; `FlagStepError` past the widest. */
  promote(name: string, options: FlagChangeOptions = {}): FlagView {
    return this.set(name, this.nextStep(name, 'promote'), options, 'flag.promote');
  }

  /** Moves to the previous narrower step; `FlagStepError` past the narrowest. */
  rollback(name: string, options: FlagChangeOptions = {}): FlagView {
    return this.set(name, this.nextStep(name, 'rollback'), options, 'flag.rollback');
  }

  /** Back to the state the code declared, on this instance. */
  revert(name: string, options: FlagChangeOptions = {}): FlagView {
    const flag = this.get(name);
    this.#checkVersion(flag, options.ifVersion);
    if (!sameState(flag.state, flag.code)) {
      this.#changes.apply(flag, flag.code, { actor: options.actor ?? 'code', action: 'flag.revert', version: flag.version + 1, initial: false });
    }
    flag.overridden = false;
    return this.view(name);
  }

  /**
   * Fleet mode: applies a stored override (`null`: the code's state) at the store's
   * `version`, audited with the action its writer stored (`flag.promote` through any instance).
   */
  applyStored(name: string, patch: unknown, actor: string, change: { version: number; initial: boolean; action?: string | undefined; at?: string | undefined }): void {
    const flag = this.get(name);
    const after = patch === null ? flag.code : this.resolvePatch(name, patch, flag.code);
    this.#changes.apply(flag, after, { actor, action: storedAction(change.action, patch, actor), version: change.version, initial: change.initial, at: change.at });
    flag.overridden = patch !== null;
  }

  /** Fleet mode: versions are the store's (0 until the first stored change). */
  useFleetVersions(): void {
    for (const flag of this.#flags.values()) flag.version = 0;
  }

  /** Called for every applied change (the guards start and stop watches here). */
  onChange(listener: FlagChangeListener): void {
    this.#changes.onChange(listener);
  }

  #checkVersion(flag: Flag, ifVersion: number | readonly number[] | undefined): void {
    if (!versionMatches(ifVersion, flag.version)) throw new VersionConflictError(flag.version);
  }
}
