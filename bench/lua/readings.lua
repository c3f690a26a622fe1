-- Batches of counter readings for POST /api/v1/meter-readings/bulk, shared by bulk.lua and
-- mixed.lua: request k of thread t takes slot k * threads + t, so every request's timestamps
-- are its own; the value is the time since the origin, so it never runs backwards whatever
-- the arrival order or the run. Thread t writes to meter t of BENCH_METERS (modulo their
-- number): with a connection per thread, a meter per connection.
local common = require("common")

local M = {}

function M.new(batch)
  return {
    meter = M.pick(common.env("BENCH_METERS")),
    start = tonumber(common.env("BENCH_START")),
    origin = tonumber(common.env("BENCH_ORIGIN")),
    threads = tonumber(common.env("BENCH_THREADS")),
    batch = batch,
    slot = 0,
  }
end

function M.pick(list)
  local meters = {}
  for id in string.gmatch(list, "[^,]+") do meters[#meters + 1] = id end
  return meters[(tid % #meters) + 1]
end

function M.request(r)
  local base = r.start + (r.slot * r.threads + tid) * r.batch
  r.slot = r.slot + 1
  local parts = {}
  for i = 0, r.batch - 1 do
    local t = base + i
    parts[#parts + 1] = string.format('{"meterId":"%s","value":%d,"measuredAt":"%s"}',
      r.meter, t - r.origin, os.date("!%Y-%m-%dT%H:%M:%SZ", t))
  end
  local body = '{"readings":[' .. table.concat(parts, ",") .. "]}"
  return wrk.format("POST", "/api/v1/meter-readings/bulk", common.headers, body)
end

return M
