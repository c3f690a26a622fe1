-- The soak's mixed workload, per 20 requests of a thread: 12 work order reads by id (BENCH_IDS),
-- 3 first pages, 2 creates (titles unique per run, thread and request), 2 transitions of owned
-- rows (BENCH_ROWS, moves.lua) and 1 batch of BENCH_BATCH counter readings (readings.lua).
-- BENCH_DELAY_MS paces each connection (wrk's delay hook): the harness sets it to hold a rate.
package.path = os.getenv("BENCH_LUA") .. "/?.lua;" .. package.path
local common = require("common")
local moves = require("moves")
local readings = require("readings")

local PLAN = { "get", "get", "page", "get", "create", "get", "move", "get", "get", "page",
               "get", "read", "get", "get", "create", "get", "move", "page", "get", "get" }
local pace = tonumber(common.env("BENCH_DELAY_MS", "0"))
local run = common.env("BENCH_RUN")
local gets, m, batches = {}, nil, nil
local n = 0

function init(args)
  math.randomseed(os.time() + (tid or 0))
  for _, id in ipairs(common.lines(common.env("BENCH_IDS"))) do
    gets[#gets + 1] = wrk.format("GET", "/api/v1/work-orders/" .. id, common.headers)
  end
  m = moves.new(common.env("BENCH_REASON"))
  batches = readings.new(tonumber(common.env("BENCH_BATCH", "10")))
end

function delay()
  return pace
end

function request()
  n = n + 1
  local kind = PLAN[(n - 1) % #PLAN + 1]
  if kind == "get" then return gets[math.random(#gets)] end
  if kind == "page" then
    return wrk.format("GET", "/api/v1/work-orders?limit=50", common.headers)
  end
  if kind == "create" then
    local body = string.format('{"title":"zz soak %s-%d-%d"}', run, tid, n)
    return wrk.format("POST", "/api/v1/work-orders", common.headers, body)
  end
  if kind == "move" then return moves.request(m) end
  return readings.request(batches)
end

function response(code, headers, body)
  moves.response(m, headers, body)
end

setup = common.setup
done = common.done
