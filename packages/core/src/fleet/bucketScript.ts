/**
 * One admission against a fleet-wide token bucket, atomically in Redis.
 * KEYS[1] bucket; ARGV: ratePerSecond, burst, cost (1 to take, -1 to give back).
 * Refills by the Redis server's clock (one clock for every instance) and returns
 * { admitted 0|1, ms until a token is available }.
 */
export const TOKEN_BUCKET_LUA = `
local rate = tonumber(ARGV[1])
local burst = tonumber(ARGV[2])
local cost = tonumber(ARGV[3])
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + tonumber(t[2]) / 1000
local state = redis.call('HMGET', KEYS[1], 'tokens', 'at')
local tokens = tonumber(state[1])
local at = tonumber(state[2])
if tokens == nil or at == nil then
  tokens = burst
  at = now
end
if now > at then
  tokens = math.min(burst, tokens + (now - at) * rate / 1000)
  at = now
end
local admitted = 0
local waitMs = 0
if cost < 0 then
  tokens = math.min(burst, tokens - cost)
  admitted = 1
elseif tokens >= cost then
  tokens = tokens - cost
  admitted = 1
else
  waitMs = math.ceil((cost - tokens) * 1000 / rate)
end
redis.call('HSET', KEYS[1], 'tokens', tostring(tokens), 'at', tostring(at))
redis.call('PEXPIRE', KEYS[1], math.ceil(burst * 1000 / rate) + 1000)
return { admitted, waitMs }
`;
