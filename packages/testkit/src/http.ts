import http from 'node:http';

/** A GET whose body is parsed as JSON; a fresh connection per call. */
export function getJson(base: string, path: string): Promise<{ status: number; body: unknown }> {
  return new Promise((resolve, reject) => {
    const req = http.get(new URL(path, base), { agent: false }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        resolve({ status: res.statusCode ?? 0, body: text.length > 0 ? (JSON.parse(text) as unknown) : undefined });
      });
      res.on('error', reject);
    });
    req.on('error', reject);
  });
}

/** Starts a GET that the caller aborts (closing the connection) with `abort()`. */
export function abortedRequest(base: string, path: string): { abort(): void } {
  const req = http.get(new URL(path, base), { agent: false }, (res) => res.resume());
  req.on('error', () => {
    /* the abort itself */
  });
  return { abort: () => req.destroy() };
}
