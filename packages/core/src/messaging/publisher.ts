import { errorText } from './broker.js';
import { PublishError } from './errors.js';
import type { ResolvedMessagingOptions } from './options.js';
import type { BrokerSlot } from './slot.js';

/**
 * Sends one message to exactly one broker: the healthiest (breaker closed,
 * lowest recent confirm latency) first, the next on an error or when no
 * confirm came within `confirmTimeoutMs`. A timed-out broker may still store
 * the message, so a subscriber can see it twice; the id lets it drop the copy.
 */
export async function publishToOne(
  slots: readonly BrokerSlot[],
  topic: string,
  body: string,
  id: string,
  options: ResolvedMessagingOptions,
): Promise<BrokerSlot> {
  const start = Date.now();
  const deadline = start + options.publishTimeoutMs;
  const attempts: Record<string, string> = {};
  const ranked = slots
    .map((slot) => ({ slot, rank: slot.rank(start) }))
    .filter((r): r is { slot: BrokerSlot; rank: number } => {
      if (r.rank === undefined) attempts[r.slot.name] = `skipped: ${r.slot.state === 'up' ? 'breaker open' : r.slot.state}`;
      return r.rank !== undefined;
    })
    .sort((a, b) => a.rank - b.rank);
  for (const { slot } of ranked) {
    const left = deadline - Date.now();
    if (left <= 0) {
      attempts[slot.name] = 'skipped: publishTimeoutMs elapsed';
      continue;
    }
    const ticket = slot.admit(Date.now());
    if (ticket === undefined) {
      attempts[slot.name] = 'skipped: breaker open';
      continue;
    }
    const began = Date.now();
    try {
      await slot.broker.publish(topic, body, id, Math.min(options.confirmTimeoutMs, left));
      slot.confirmed(ticket, Date.now() - began, Date.now());
      return slot;
    } catch (error) {
      slot.failed(ticket, Date.now());
      attempts[slot.name] = errorText(error);
    }
  }
  throw new PublishError(topic, attempts);
}
