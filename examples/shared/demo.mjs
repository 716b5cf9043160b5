// Small helpers the examples use to demonstrate themselves.

/** Fires `count` concurrent GETs and tallies the answers. */
export async function burst(url, count) {
  const answers = await Promise.all(
    Array.from({ length: count }, async () => {
      const res = await fetch(url);
      const body = await res.json();
      return { status: res.status, reason: body.reason, retryAfter: res.headers.get('retry-after') };
    }),
  );
  const tally = {};
  for (const a of answers) {
    const key = a.status === 200 ? '200 ok' : `${a.status} ${a.reason} (Retry-After: ${a.retryAfter})`;
    tally[key] = (tally[key] ?? 0) + 1;
  }
  return tally;
}

export function printBurst(tally) {
  for (const [answer, n] of Object.entries(tally)) console.log(`   ${String(n).padStart(3)} × ${answer}`);
}

/** PATCHes a limit through the admin API and returns the new view. */
export async function patchLimit(base, token, name, settings) {
  const res = await fetch(`${base}/_ballast/limits/${name}`, {
    method: 'PATCH',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    body: JSON.stringify(settings),
  });
  if (!res.ok) throw new Error(`PATCH failed: ${res.status} ${await res.text()}`);
  return res.json();
}
