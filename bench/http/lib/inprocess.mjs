/**
 * One whole request through a framework without the network: node's own
 * IncomingMessage/ServerResponse (no socket) are handed to the app, the
 * response is ended, then, as Node's http server does, its finish is published
 * on the `http.server.response.finish` channel (where Ballast learns that a
 * response holding a connection is over) and 'close' is emitted.
 */
/* global queueMicrotask */
import { channel } from 'node:diagnostics_channel';
import { IncomingMessage, Server, ServerResponse } from 'node:http';

// What observe() reads off the socket: the server it came through (for the connection gauge).
// A Node http server that never listens, so Ballast takes the path it takes behind a real one.
const server = Object.assign(new Server(), { getConnections: (callback) => callback(null, 1) });
const finished = channel('http.server.response.finish');
const socket = { server, remoteAddress: '127.0.0.1' };
/**
 * What the response holds while it is the one being answered on its connection:
 * Ballast's usual path (the connection tells when the response is over) needs
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
        if (finished.hasSubscribers) finished.publish({ request: req, response: res, socket: heldSocket, server });
        res.emit('close');
        resolve();
      });
      return result;
    };
    listener(req, res);
  });
}
