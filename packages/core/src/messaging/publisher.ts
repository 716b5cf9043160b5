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
  const tried = new Set<BrokerSlot>();
  // Rank afresh before each try (a failure may have opened a breaker); no arrays on the way to the usual first success.
  for (let slot = best(slots, tried, start); slot !== undefined; slot = best(slots, tried, Date.now())) {
    tried.add(slot);
    const left = deadline - Date.now();
    const ticket = left > 0 ? slot.admit(Date.now()) : undefined;
    if (ticket === undefined) {
      attempts[slot.name] = left > 0 ? 'skipped: breaker open' : 'skipped: publishTimeoutMs elapsed';
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
  for (const slot of slots) if (!tried.has(slot)) attempts[slot.name] = `skipped: ${slot.state === 'up' ? 'breaker open' : slot.state}`;
  throw new PublishError(topic, attempts);
}

/** The untried slot with the lowest rank, if any may be chosen now. */
function best(slots: readonly BrokerSlot[], tried: ReadonlySet<BrokerSlot>, now: number): BrokerSlot | undefined {
  let chosen: BrokerSlot | undefined;
  let chosenRank = Infinity;
  for (const slot of slots) {
    if (tried.has(slot)) continue;
    const rank = slot.rank(now);
    if (rank !== undefined && rank < chosenRank) {
      chosen = slot;
      chosenRank = rank;
    }
  }
  return chosen;
}
