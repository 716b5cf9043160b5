/**
 * `@ballast/core/adapter`: what only framework adapters need (the Express and Koa
 * packages, or your own). Applications import from `@ballast/core`.
 *
 * The seam: `ballast.limits.gate(names).admit()` answers a `Release` (admitted:
 * call it when the exchange is over), a `Shed` (answer `shedReply(shed)`), or a
 * `Queued` (call its `release` when the exchange is over, and wait for `admitted`).
 * `requestErrorReply(error)` is a Ballast error's JSON answer (`undefined` for others);
 * `tagMiddleware` and `ScopeOwners` let `req.ballast` find the instance an app mounts.
 * `whenDone` calls a function once when the exchange is over: the response
 * closed (finished or not) or the client left, pipelined or not. `onResponseFinish`
 * tells of every finished response, with its request; `requestScope` is a request's
 * scope (`req.ballast`), built once and kept for as long as the request runs.
 */
export { whenDone } from '../http/exchange.js';
export { requestScope } from '../scope/kept.js';
export { onResponseFinish } from '../observe/socketWatch.js';
export { isShed, shedReply, type Admission, type Queued, type Release } from '../limits/index.js';
export { observeNode, unobserved } from '../observe/index.js';
export { nodeAdminRequest, writeNodeReply } from '../admin/index.js';
export { requestErrorReply } from '../admin/index.js';
export { ScopeOwners, tagMiddleware, taggedInstance } from '../scope/index.js';
