import type { FlagReason } from '@ballast/core';
import { StandardResolutionReasons, type ResolutionReason } from '@openfeature/server-sdk';

/** Ballast's reason for a decision, as OpenFeature names it. */
export const OPENFEATURE_REASONS: Readonly<Record<FlagReason, ResolutionReason>> = {
  // The ring is fully on (before the flag's stage, or the stage at 100 %).
  'ring-on': StandardResolutionReasons.TARGETING_MATCH,
  // The sticky bucket of the targeting key (or a random one without a key) decided.
  bucket: StandardResolutionReasons.SPLIT,
  // The flag is `{ stage: 'off' }`.
  disabled: StandardResolutionReasons.DISABLED,
  // The ring is past the flag's stage: the flag is not released to it yet.
  'ring-off': StandardResolutionReasons.DEFAULT,
};
