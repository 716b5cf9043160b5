import { z } from 'zod';
import { parseSettings } from '../settings/validate.js';

export interface HealthOptions {
  /**
   * Serve `/health`, `/livez` and `/readyz` without a token (for load balancers
   * and orchestrators). Without a token they answer the status only; the checks
   * still need one. Default `false`.
   */
  public?: boolean;
}

const healthSchema = z.strictObject({ public: z.boolean({ error: 'must be true or false' }).optional() });

export function parseHealthOptions(input: unknown): Required<HealthOptions> {
  const parsed = parseSettings(healthSchema, input ?? {}, 'health');
  return { public: parsed.public ?? false };
}
