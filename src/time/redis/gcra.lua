-- GCRA on the Redis server's clock, in microseconds: one cell, taken atomically.
-- KEYS[1]: the budget's key; it holds the theoretical arrival time (TAT).
-- ARGV[1]: the interval between cells; ARGV[2]: the tolerance, interval * (burst - 1);
-- ARGV[3], for tests only: the time to use instead of the server's.
-- Returns {1, new TAT, now} when the cell is taken, {0, when it is free, now} otherwise.
local now
if ARGV[3] then
  now = tonumber(ARGV[3])
else
  -- Allowed beside writes: scripts replicate their effects (Redis 5 and later).
  local time = redis.call('TIME')
  now = tonumber(time[1]) * 1000000 + tonumber(time[2])
end
local interval = tonumber(ARGV[1])
local tolerance = tonumber(ARGV[2])
local stored = redis.call('GET', KEYS[1])
local tat = stored and tonumber(stored) or 0
local free_at = tat - tolerance
if free_at > now then
  return {0, free_at, now}
end
local next_tat = math.max(tat, now) + interval
-- The key lives as long as it says anything: once next_tat has passed, the burst is
-- full again, as for a key that is not there.
redis.call('SET', KEYS[1], string.format('%.0f', next_tat),
  'PX', math.ceil((next_tat - now) / 1000))
return {1, next_tat, now}
