/**
 * A property key that is added and deleted at once, so it is never seen: only its
 * effect on the object's layout remains.
 */
const PROBE = Symbol('ballast.shape');

/**
 * Gives an Express request or response the hidden class it shares with every other,
 * for the rest of the chain.
 *
 * Express swaps the prototype of each request and response it handles
 * (`Object.setPrototypeOf(req, app.request)`). V8 keeps the hidden class an object
 * gets from such a swap out of its transition tree, so each property added afterwards
 * (`req.params`, `req.baseUrl`, `res.locals`, ...) makes a hidden class for that one
 * object, and every read or write of a property of it misses V8's inline caches and
 * goes to the runtime: about 108 misses, some 40% of an Express request's instructions
 * (bench/http/callgrind.mjs, Node 20). Adding and deleting a property turns the object
 * into a dictionary-mode object; V8 gives every such object with the same prototype
 * the same hidden class, so the caches hit again from here on (10 misses a request).
 *
 * Nothing observable changes: no property is left behind, the own properties keep
 * their order, and the object keeps its prototype. Idempotent and cheap the second
 * time (the object is already a dictionary then).
 */
export function shareShape(target: object): void {
  const object = target as { [PROBE]?: true };
  object[PROBE] = true;
  delete object[PROBE];
}
