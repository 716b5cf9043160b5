/** Child process: one autocannon run (every request with an account header); prints a JSON summary last. */
import autocannon from 'autocannon';

const [url, seconds, connections] = process.argv.slice(2);
const result = await autocannon({ url, duration: Number(seconds), connections: Number(connections), headers: { 'x-account-id': 'acct-42' } });
console.log(JSON.stringify({ requestsPerSecond: result.requests.average, total: result.requests.total, non2xx: result.non2xx, errors: result.errors }));
