// The Lua scripts behind the Redis CounterStore. Each read-modify-write runs as one script, so no
// other instance's command lands between the read and the write (two requests racing one counter
// would otherwise both see the old value and both get through).
//
// A record is a hash { v: value, e: expiry } where `e` is an absolute time on the caller's clock
// (ARGV[1] is "now"): expiry is decided against the injected clock, as the memory store does, and
// the key also gets a real Redis TTL of (e - now) seconds so that Redis itself forgets it.

/** KEYS[1]; ARGV: now, ttl, by, refresh (1/0). Returns { value, ttl }. */
export const INCREMENT = `
local now = tonumber(ARGV[1])
local ttl = tonumber(ARGV[2])
local fields = redis.call('HMGET', KEYS[1], 'v', 'e')
local value = tonumber(fields[1])
local expires = tonumber(fields[2])
if value == nil or expires == nil or expires <= now then
  value = 0
  expires = now + ttl
end
value = value + tonumber(ARGV[3])
if ARGV[4] == '1' then expires = now + ttl end
redis.call('HSET', KEYS[1], 'v', value, 'e', expires)
redis.call('EXPIRE', KEYS[1], expires - now)
return { value, expires - now }
`;

/** KEYS[1]; ARGV: now, ttl. Returns 1 for the one caller that set the key, else 0. */
export const CLAIM = `
local now = tonumber(ARGV[1])
local expires = tonumber(redis.call('HGET', KEYS[1], 'e'))
if expires ~= nil and expires > now then return 0 end
redis.call('HSET', KEYS[1], 'v', 1, 'e', now + tonumber(ARGV[2]))
redis.call('EXPIRE', KEYS[1], tonumber(ARGV[2]))
return 1
`;

/** KEYS[1]; ARGV: now, ttl, value. Replaces value and lifetime. */
export const PUT = `
local now = tonumber(ARGV[1])
redis.call('HSET', KEYS[1], 'v', tonumber(ARGV[3]), 'e', now + tonumber(ARGV[2]))
redis.call('EXPIRE', KEYS[1], tonumber(ARGV[2]))
return 1
`;
