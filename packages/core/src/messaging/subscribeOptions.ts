import { z } from 'zod';
import { asConfigError } from '../config.js';
import { intBetween, parseSettings } from '../settings/validate.js';
import { checkTopic } from './message.js';
import type { ResolvedSubscription } from './subscription.js';
import type { MessageSchema } from './types.js';

const subscribeSchema = z.strictObject({
  group: z.string({ error: 'must be a string' }).regex(/^[A-Za-z0-9_-]{1,100}$/, { error: 'must be 1 to 100 letters, digits, "_" or "-"' }),
  dedupe: z.enum(['memory', 'postgres'], { error: 'must be "memory" or "postgres"' }).default('memory'),
  schema: z
    .custom<MessageSchema>((v) => typeof v === 'object' && v !== null && typeof (v as { safeParse?: unknown }).safeParse === 'function', {
      error: 'must be a zod object schema',
    })
    .optional(),
  maxAttempts: intBetween(1, 1000).default(5),
});

/** Validates `subscribe`'s options; a wrong one throws `BallastConfigError` naming the field. */
export function resolveSubscribeOptions(topic: string, options: unknown): ResolvedSubscription {
  checkTopic(topic);
  const o = asConfigError(() => parseSettings(subscribeSchema, options, 'subscribe'));
  return { topic, group: o.group, dedupe: o.dedupe, schema: o.schema, maxAttempts: o.maxAttempts };
}
