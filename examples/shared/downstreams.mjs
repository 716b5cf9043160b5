// Two small real HTTP services the examples depend on, each of which the demo
// can take down and bring back: a profile service (reads) and a billing
// service (writes, recording every Idempotency-Key it accepts).
import http from 'node:http';

function listen(server) {
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(`http://127.0.0.1:${server.address().port}`)));
}

export async function startDownstreams() {
  const state = { profilesUp: true, billingUp: true, billingKeys: new Set(), billingDuplicates: 0 };

  const profiles = http.createServer((req, res) => {
    if (!state.profilesUp) return res.writeHead(503).end();
    const id = decodeURIComponent(req.url.split('/').pop());
    res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ id, name: `user ${id}` }));
  });

  const billing = http.createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      if (!state.billingUp) return res.writeHead(503, { 'retry-after': '1' }).end();
      const key = req.headers['idempotency-key'];
      if (state.billingKeys.has(key)) state.billingDuplicates++;
      state.billingKeys.add(key);
      res.writeHead(200).end();
    });
  });

  const [profilesUrl, billingUrl] = await Promise.all([listen(profiles), listen(billing)]);
  return {
    state,
    profilesUrl,
    billingUrl,
    close: () => Promise.all([profiles, billing].map((s) => new Promise((r) => { s.close(r); s.closeAllConnections(); }))),
  };
}

/** Reads a profile over HTTP; the signal aborts it when Ballast's timeout fires. */
export async function fetchProfile(profilesUrl, id, signal) {
  const res = await fetch(`${profilesUrl}/profiles/${encodeURIComponent(id)}`, { signal });
  if (!res.ok) throw new Error(`profile service answered ${res.status}`);
  return res.json();
}
