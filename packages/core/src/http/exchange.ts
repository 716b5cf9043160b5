import type { IncomingMessage, ServerResponse } from 'node:http';

/**
 * Calls `done` exactly once, on the first sign that a Node request/response
 * exchange is over: the response finished, the response closed, or the client
 * left. Returns `false` (having called `done`) when it is over already.
 *
 * The request's `close` means two things: the client left (its connection is
 * gone), or only that its body was read to the end. Under HTTP/1.1 pipelining a
 * response waiting behind an earlier one gets no event at all when the client
 * leaves; its request's `close` is the only sign, or, when the body was already
 * read, the connection's `close`.
 *
 * @example
 * if (whenDone(req, res, release)) next();
 */
export function whenDone(req: IncomingMessage, res: ServerResponse, done: () => void): boolean {
  let pending = true;
  let watched: IncomingMessage['socket'] | null = null;
  const fire = function (this: unknown): void {
    if (!pending || (this === req && !clientLeft())) return;
    pending = false;
    watched?.removeListener('close', fire);
    done();
  };
  const clientLeft = (): boolean => {
    const socket = req.socket as IncomingMessage['socket'] | null;
    if (socket === null || socket.destroyed) return true;
    // The body was read; a response still queued behind another has only the connection to tell.
    if (res.socket === null && !res.writableFinished && watched === null) {
      watched = socket;
      socket.once('close', fire);
    }
    return false;
  };
  if (res.writableFinished || res.closed || (req.destroyed && clientLeft())) {
    fire();
    return false;
  }
  res.on('finish', fire);
  res.on('close', fire);
  req.on('close', fire);
  return true;
}
