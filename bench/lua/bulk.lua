-- POST /api/v1/meter-readings/bulk: BENCH_BATCH readings of meter BENCH_METER, one second
-- apart from BENCH_START (epoch seconds). Request k of thread t takes slot k * threads + t, so
-- every request's timestamps are its own; the counter's value is the time since BENCH_ORIGIN,
-- so it never runs backwards whatever the arrival order or the run.
package.path = os.getenv("BENCH_LUA") .. "/?.lua;" .. package.path
local common = require("common")

local meter = common.env("BENCH_METER")
local start = tonumber(common.env("BENCH_START"))
local origin = tonumber(common.env("BENCH_ORIGIN"))
local batch = tonumber(common.env("BENCH_BATCH", "5000"))
local threads = tonumber(common.env("BENCH_THREADS"))
local k = 0

function request()
  local base = start + (k * threads + tid) * batch
  k = k + 1
  local parts = {}
  for i = 0, batch - 1 do
    local t = base + i
    parts[#parts + 1] = string.format('{"meterId":"%s","value":%d,"measuredAt":"%s"}',
      meter, t - origin, os.date("!%Y-%m-%dT%H:%M:%SZ", t))
  end
  local body = '{"readings":[' .. table.concat(parts, ",") .. "]}"
  return wrk.format("POST", "/api/v1/meter-readings/bulk", common.headers, body)
end

setup = common.setup
done = common.done
