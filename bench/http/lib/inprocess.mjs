/**
 * One whole request through a framework without the network: node's own
 * IncomingMessage/ServerResponse (no socket) are handed to the app, the
 * response is ended, then 'close' is emitted as the server would.
 */
/* global queueMicrotask */
import { EventEmitter } from 'node:events';
import { IncomingMessage, ServerResponse } from 'node:http';

// What observe() reads off the socket: the server it came through (for the connection gauge).
const server = Object.assign(new EventEmitter(), { getConnections: (callback) => callback(null, 1) });
const socket = { server, remoteAddress: '127.0.0.1' };
/**
 * What the response holds while it is the one being answered on its connection:
 * Ballast's usual path (the response's own 'close' ends the exchange) needs
 * `res.socket` set, as the server sets it. Nothing is written through it
 * (`writable: false` keeps the output buffered on the response).
 */
const heldSocket = { server, remoteAddress: '127.0.0.1', destroyed: false, writable: false, _writableState: { corked: 0 }, cork() {}, uncork() {}, on() {}, once() {}, removeListener() {} };

/** Serves one `GET /` through `listener`; resolves once the response closed. */
export function oneRequest(listener) {
  const req = new IncomingMessage(null);
  req.socket = socket;
  req.method = 'GET';
  req.url = '/';
  req.headers = { host: 'bench' };
  const res = new ServerResponse(req);
  res.socket = heldSocket;
  return new Promise((resolve) => {
    const end = res.end;
    res.end = function endThenClose(...args) {
      const result = end.apply(this, args);
      // The server emits 'close' once the response is flushed; do the same, a tick later.
      queueMicrotask(() => {
        res.emit('close');
        resolve();
      });
      return result;
    };
    listener(req, res);
  });
}
