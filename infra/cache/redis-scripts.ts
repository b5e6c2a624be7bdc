/**
 * Lua scripts the Redis cache runs server-side, so each is one atomic step across every node.
 * ioredis sends them with EVALSHA and falls back to EVAL after NOSCRIPT (an empty script cache,
 * e.g. after a Redis restart), so nothing here needs loading by hand.
 */
import type { RateLimitBucket, RateLimitVerdict } from './port.ts';

/**
 * GCRA, step for step as infra/cache/gcra.ts (read that file for the semantics), over one or
 * more buckets, all or nothing: every bucket is read and judged first, and the TATs are written
 * only when every bucket allows. It runs on Redis's own clock (TIME) so every node judges
 * against one clock (a write after TIME in a script needs Redis >= 5, which replicates a
 * script's effects rather than the script). Only integers leave the script: Redis truncates Lua
 * floats in replies. A TAT is stored with 17 significant digits so a fractional-millisecond TAT
 * survives the round trip exactly.
 *
 * A script's keys must share one hash slot on a Redis Cluster; the adapter speaks to one Redis
 * (or a primary with replicas), where any keys go together.
 *
 * KEYS = the buckets' keys; ARGV = limit, windowMs, cost, checkOnly (1|0) for each bucket in turn.
 * Returns allowed (0|1), remaining, resetMs, retryAfterMs for each bucket in turn, flattened.
 */
export const GCRA_SCRIPT = `
local clock = redis.call('TIME')
local now = tonumber(clock[1]) * 1000 + tonumber(clock[2]) / 1000
local reply = {}
local writes = {}
local all_allowed = true

for i, key in ipairs(KEYS) do
  local limit = tonumber(ARGV[i * 4 - 3])
  local window = tonumber(ARGV[i * 4 - 2])
  local cost = tonumber(ARGV[i * 4 - 1])
  local check_only = ARGV[i * 4] == '1'
  local interval = window / limit

  local tat = now
  local stored = tonumber(redis.call('GET', key))
  if stored and stored > now then tat = stored end

  local function remaining_at(t)
    local free = math.floor((window - (t - now)) / interval + 1e-9)
    return math.min(limit, math.max(0, free))
  end

  local pushed = tat + cost * interval
  local allow_at = pushed - window
  local verdict
  if allow_at > now then
    all_allowed = false
    verdict = { 0, remaining_at(tat), math.ceil(tat - now), math.max(1, math.ceil(allow_at - now)) }
  elseif check_only then
    verdict = { 1, remaining_at(tat), math.ceil(tat - now), 0 }
  else
    verdict = { 1, remaining_at(pushed), math.ceil(pushed - now), 0 }
    writes[#writes + 1] = { key, pushed }
  end
  for _, value in ipairs(verdict) do reply[#reply + 1] = value end
end

if all_allowed then
  for _, write in ipairs(writes) do
    -- The state expires once the bucket is full again.
    redis.call('SET', write[1], string.format('%.17g', write[2]), 'PX', math.max(1, math.ceil(write[2] - now)))
  end
end
return reply
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

/** The script's arguments for these buckets: their keys, then four numbers per bucket. */
export function gcraArguments(buckets: readonly RateLimitBucket[]): Array<string | number> {
  const args: Array<string | number> = [buckets.length, ...buckets.map((bucket) => bucket.key)];
  for (const { rule } of buckets) args.push(rule.limit, rule.windowMs, rule.cost ?? 1, rule.checkOnly ? 1 : 0);
  return args;
}

/** One verdict per bucket from the script's flattened reply. */
export function verdictsFromReply(reply: number[], buckets: readonly RateLimitBucket[]): RateLimitVerdict[] {
  return buckets.map(({ rule }, index) => {
    const [allowed, remaining, resetMs, retryAfterMs] = reply.slice(index * 4, index * 4 + 4) as [number, number, number, number];
    return { allowed: allowed === 1, limit: rule.limit, remaining, resetMs, retryAfterMs };
  });
}
