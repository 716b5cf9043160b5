import { jsonbRefusal } from '../outbox/validate.js';
import { InvalidMessageError } from './errors.js';

/** One value of a message: flat, so old and new versions of a service can read each other's messages. */
export type MessageValue = string | number | boolean | null;

/** A message: a flat map. Keys are added over time, never renamed. */
export type Message = Record<string, MessageValue>;

/** What travels beside the message and reaches the handler as part of `ctx`. */
export interface Envelope {
  /** UUID v7; the outbox's idempotency key for messages published through `publishDestination`. */
  id: string;
  topic: string;
  /** ISO 8601 time of the publish call. */
  publishedAt: string;
}

/** The wire form: one JSON document, the same on every broker. */
interface Wire extends Envelope {
  message: Message;
}

const TOPIC = /^[A-Za-z0-9_-]+(\.[A-Za-z0-9_-]+)*$/;

/** Topics already found valid: an app publishes to a handful, so the check is a lookup, not a regex, per publish. */
const validTopics = new Set<string>();
const VALID_TOPICS_KEPT = 1000;

/** Topics are dot-separated words, valid as a NATS subject, an AMQP routing key and a Redis key alike. */
export function checkTopic(topic: unknown): string {
  if (typeof topic === 'string' && validTopics.has(topic)) return topic;
  if (typeof topic !== 'string' || topic.length > 200 || !TOPIC.test(topic)) {
    throw new InvalidMessageError('', `topic must be dot-separated words of letters, digits, "_" or "-" (got ${JSON.stringify(topic)})`);
  }
  if (validTopics.size < VALID_TOPICS_KEPT) validTopics.add(topic);
  return topic;
}

/** Throws `InvalidMessageError` naming the first key whose value is not flat. */
export function checkMessage(message: unknown): Message {
  if (typeof message !== 'object' || message === null || Array.isArray(message)) {
    throw new InvalidMessageError('', 'must be a plain object of keys to strings, finite numbers, booleans or null');
  }
  const proto = Object.getPrototypeOf(message) as unknown;
  if (proto !== Object.prototype && proto !== null) throw new InvalidMessageError('', 'must be a plain object');
  // for...in rather than Object.entries: no array per key on the publish path (a plain object has no inherited enumerable keys).
  for (const key in message) {
    const value = (message as Record<string, unknown>)[key];
    if (value === null || typeof value === 'string' || typeof value === 'boolean') continue;
    if (typeof value === 'number') {
      if (Number.isFinite(value)) continue;
      throw new InvalidMessageError(key, `must be a finite number (got ${String(value)})`);
    }
    const kind = Array.isArray(value) ? 'an array' : value === undefined ? 'undefined' : `a ${typeof value}`;
    throw new InvalidMessageError(key, `must be a string, finite number, boolean or null (got ${kind})`);
  }
  return message as Message;
}

/**
 * The wire form of a checked message. Throws `InvalidMessageError` naming the key
 * for text PostgreSQL jsonb refuses (a lone UTF-16 surrogate, NUL): the dead list
 * keeps messages there, so such a message could never be dead-lettered and would
 * come back from its broker for good; the outbox refuses the same text. One scan
 * of the encoded body, which holds a `\u` escape only for such text (or control
 * characters); the key is looked for only then.
 */
export function encodeMessage(id: string, topic: string, publishedAt: string, message: Message): string {
  const body = JSON.stringify({ id, topic, publishedAt, message } satisfies Wire);
  if (jsonbRefusal(body) !== undefined) refuseUnstorable(message);
  return body;
}

function refuseUnstorable(message: Message): never {
  for (const key in message) {
    const value = message[key];
    const refused = jsonbRefusal(JSON.stringify(key)) ?? (typeof value === 'string' ? jsonbRefusal(JSON.stringify(value)) : undefined);
    if (refused !== undefined) throw new InvalidMessageError(key, `contains ${refused}, which PostgreSQL jsonb (the dead list) cannot store`);
  }
  throw new InvalidMessageError('', 'contains text PostgreSQL jsonb (the dead list) cannot store');
}

let isoAtMs = Number.NaN;
let isoAtText = '';

/**
 * `new Date(ms).toISOString()`, formatted once per millisecond: publishes in
 * the same millisecond share the text (measured: toISOString cost more
 * instructions than the JSON encoding of a whole message).
 */
export function isoTime(ms: number): string {
  if (ms !== isoAtMs) {
    isoAtText = new Date(ms).toISOString();
    isoAtMs = ms;
  }
  return isoAtText;
}

const NOT_A_MESSAGE = 'not a Ballast message';

/** Parses the wire form; for anything that is not one, a string saying why (it goes to the dead list as malformed). */
export function decodeMessage(text: string): Wire | string {
  let wire: unknown;
  try {
    wire = JSON.parse(text);
  } catch {
    return NOT_A_MESSAGE;
  }
  if (typeof wire !== 'object' || wire === null) return NOT_A_MESSAGE;
  const w = wire as Partial<Wire>;
  if (typeof w.id !== 'string' || typeof w.topic !== 'string' || typeof w.publishedAt !== 'string') return NOT_A_MESSAGE;
  if (typeof w.message !== 'object' || w.message === null || Array.isArray(w.message)) return NOT_A_MESSAGE;
  // Text jsonb refuses reaches the wire only as an escape, and only from another publisher (Ballast's refuses
  // it): the dead list could not store such a message, so once it failed it would come back from its broker for
  // good. Escapes are checked in JSON.stringify's form, where only a lone surrogate is written as one.
  if (text.includes('\\u')) {
    const refused = jsonbRefusal(JSON.stringify(w));
    if (refused !== undefined) return `${NOT_A_MESSAGE}: it contains ${refused}, which PostgreSQL jsonb (the dead list) cannot store`;
  }
  return w as Wire;
}
