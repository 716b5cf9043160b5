import { z } from 'zod';
import { parseSettings } from '../settings/validate.js';

export interface HealthOptions {
  /**
   * Who may call the health routes without a token. Without a token they answer
   * the status only (`{"status":"pass"}`); the checks always need a token.
   * Default: `/livez` and `/readyz` are public (orchestrators probe them without
   * secrets; they hold no private data) and `/health` needs a token.
   * `true` makes `/health` public as well; `false` makes all three private.
   */
  public?: boolean;
}

/** Which health routes answer without a token. */
export interface ResolvedHealthOptions {
  /** `/livez` and `/readyz`. */
  probesPublic: boolean;
  /** `/health`. */
  healthPublic: boolean;
}

const healthSchema = z.strictObject({ public: z.boolean({ error: 'must be true or false' }).optional() });

export function parseHealthOptions(input: unknown): ResolvedHealthOptions {
  const parsed = parseSettings(healthSchema, input ?? {}, 'health');
  return { probesPublic: parsed.public ?? true, healthPublic: parsed.public ?? false };
}
