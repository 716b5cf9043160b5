import type { z } from 'zod';
import type { SqlClient } from '../outbox/store/index.js';
import type { Envelope, Message } from './message.js';

/** Where a subscription remembers the ids it handled. */
export type DedupeMode = 'memory' | 'postgres';

/** A zod object schema (`z.object({...})`); keys it does not name still reach the handler. */
export type MessageSchema = z.ZodObject;

export interface SubscribeOptions<S extends MessageSchema | undefined = undefined, D extends DedupeMode = DedupeMode> {
  /** The durable consumer group: instances subscribing with one group share the messages; each group gets every message. */
  group: string;
  /**
   * `memory` (default): this instance drops an id it handled in the last 10 minutes (up to 100,000 ids).
   * `postgres`: the id is recorded in the outbox's database in the transaction the handler gets as `ctx.client`,
   * so the effect happens once across instances and brokers.
   */
  dedupe?: D;
  /** Checked before the handler; a message that fails goes to the dead list with the reason. Unknown keys pass through. */
  schema?: S;
  /** Handler attempts before the message goes to the dead list. Default `5`. */
  maxAttempts?: number;
}

/** What the handler learns besides the message. */
export interface MessageContext<D extends DedupeMode = DedupeMode> extends Envelope {
  /** The broker the message came through. */
  broker: string;
  /** 1 for the first attempt in this instance. */
  attempt: number;
  /** With `dedupe: 'postgres'`, the transaction that records the id: write your effect with it. */
  client: D extends 'postgres' ? SqlClient : undefined;
}

/** The message a handler receives: the schema's output (when given) plus every other key as published. */
export type HandledMessage<S extends MessageSchema | undefined> = S extends MessageSchema ? z.output<S> & Message : Message;

export type MessageHandler<S extends MessageSchema | undefined = undefined, D extends DedupeMode = DedupeMode> = (
  message: HandledMessage<S>,
  ctx: MessageContext<D>,
) => unknown;

/** Why a message went to the dead list. */
export type DeadReason = 'handler' | 'schema' | 'malformed';

/** A message in a subscription's dead list (`GET /subscriptions/dead`). */
export interface DeadLetter {
  id: string;
  topic: string;
  group: string;
  broker: string;
  reason: DeadReason;
  error: string;
  attempts: number;
  message: Message | null;
  publishedAt: string | null;
  deadAt: string;
}

/** Counts of one subscription (`GET /subscriptions`). */
export interface SubscriptionStats {
  topic: string;
  group: string;
  dedupe: DedupeMode;
  handled: number;
  retried: number;
  dead: number;
  duplicates: number;
}

/** What `publish` resolves to. */
export interface PublishReceipt {
  /** The message id (UUID v7) subscribers see as `ctx.id`. */
  id: string;
  /** The broker that confirmed it. */
  broker: string;
}

/** Events messaging emits on `ballast.events`. */
export interface MessagingEvents {
  /** A message went to a subscription's dead list. */
  'message:dead': DeadLetter;
  /** A broker was drained or undrained. */
  'broker:drain': { broker: string; drain: boolean; actor: string };
}
