import http from 'node:http';

/** A local HTTP downstream that accepts every POST with 204 and counts them. */
export async function startReceiver() {
  const state = { count: 0 };
  const server = http.createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      state.count++;
      res.writeHead(204).end();
    });
  });
  server.keepAliveTimeout = 60_000;
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address();
  return {
    url: `http://127.0.0.1:${port}/events`,
    get count() {
      return state.count;
    },
    reset() {
      state.count = 0;
    },
    close() {
      server.closeAllConnections();
      return new Promise((resolve) => server.close(resolve));
    },
  };
}

/** The POST every non-Ballast consumer uses (Ballast uses its own httpDestination). */
export function makePoster(url, maxSockets) {
  const agent = new http.Agent({ keepAlive: true, maxSockets });
  const target = new URL(url);
  const post = (body) =>
    new Promise((resolve, reject) => {
      const data = JSON.stringify(body);
      const req = http.request(
        { agent, host: target.hostname, port: target.port, path: target.pathname, method: 'POST',
          headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(data) } },
        (res) => {
          res.resume();
          res.on('end', () => (res.statusCode < 300 ? resolve() : reject(new Error(`HTTP ${res.statusCode}`))));
        },
      );
      req.on('error', reject);
      req.end(data);
    });
  post.close = () => agent.destroy();
  return post;
}
