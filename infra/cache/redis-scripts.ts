/**
 * Lua scripts the Redis cache runs server-side, so each is one atomic step across every node.
 * ioredis sends them with EVALSHA and falls back to EVAL after NOSCRIPT (an empty script cache,
 * e.g. after a Redis restart), so nothing here needs loading by hand.
 */
import type { RateLimitRule, RateLimitVerdict } from './port.ts';

/**
 * GCRA, step for step as infra/cache/gcra.ts (read that file for the semantics), on Redis's own
 * clock (TIME) so every node judges against one clock (a write after TIME in a script needs
 * Redis >= 5, which replicates a script's effects rather than the script). Only integers leave the script: Redis
 * truncates Lua floats in replies. The TAT is stored with 17 significant digits so a
 * fractional-millisecond TAT survives the round trip exactly.
 *
 * KEYS[1] = limiter key; ARGV = limit, windowMs, cost.
 * Returns { allowed (0|1), remaining, resetMs, retryAfterMs }.
 */
export const GCRA_SCRIPT = `
local limit = tonumber(ARGV[1])
local window = tonumber(ARGV[2])
local cost = tonumber(ARGV[3])
local clock = redis.call('TIME')
local now = tonumber(clock[1]) * 1000 + tonumber(clock[2]) / 1000
local interval = window / limit

local tat = now
local stored = tonumber(redis.call('GET', KEYS[1]))
if stored and stored > now then tat = stored end

local function remaining_at(t)
  local free = math.floor((window - (t - now)) / interval + 1e-9)
  return math.min(limit, math.max(0, free))
end

local pushed = tat + cost * interval
local allow_at = pushed - window
if allow_at > now then
  return { 0, remaining_at(tat), math.ceil(tat - now), math.max(1, math.ceil(allow_at - now)) }
end
local reset = math.ceil(pushed - now)
-- The state expires once the bucket is full again.
redis.call('SET', KEYS[1], string.format('%.17g', pushed), 'PX', math.max(1, reset))
return { 1, remaining_at(pushed), reset, 0 }
`;

/**
 * INCRBY that first raises the counter to a floor and sets a TTL only when it created the key,
 * in one step (a separate GET/SET or PEXPIRE could interleave with another node's increment, or
 * land on a key another node created).
 *
 * KEYS[1] = counter; ARGV = increment, ttlMs ('' = none), floor ('' = none). Returns the new value.
 */
export const INCR_SCRIPT = `
local created = redis.call('EXISTS', KEYS[1]) == 0
if ARGV[3] ~= '' then
  local floor = tonumber(ARGV[3])
  local current = tonumber(redis.call('GET', KEYS[1]) or '0')
  if current < floor then redis.call('SET', KEYS[1], ARGV[3], 'KEEPTTL') end
end
local value = redis.call('INCRBY', KEYS[1], ARGV[1])
if created and ARGV[2] ~= '' then redis.call('PEXPIRE', KEYS[1], ARGV[2]) end
return value
`;

export type GcraReply = [allowed: number, remaining: number, resetMs: number, retryAfterMs: number];

export function verdictFromReply(reply: GcraReply, rule: RateLimitRule): RateLimitVerdict {
  const [allowed, remaining, resetMs, retryAfterMs] = reply;
  return { allowed: allowed === 1, limit: rule.limit, remaining, resetMs, retryAfterMs };
}
