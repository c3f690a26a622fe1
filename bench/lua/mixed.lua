-- The soak's mixed workload, per 20 requests of a thread: 12 work order reads by id (BENCH_IDS),
-- 3 first pages, 2 creates (titles unique per run, thread and request), 2 transitions of owned
-- rows (BENCH_ROWS, as wo_transition.lua) and 1 batch of BENCH_BATCH counter readings (slots as
-- bulk.lua). BENCH_DELAY_MS paces each connection (wrk's delay hook): the harness sets it to
-- hold a chosen rate.
package.path = os.getenv("BENCH_LUA") .. "/?.lua;" .. package.path
local common = require("common")
local owned = require("owned")

local PLAN = { "get", "get", "page", "get", "create", "get", "move", "get", "get", "page",
               "get", "read", "get", "get", "create", "get", "move", "page", "get", "get" }
local pace = tonumber(common.env("BENCH_DELAY_MS", "0"))
local reason = common.env("BENCH_REASON")
local run = common.env("BENCH_RUN")
local meter = common.env("BENCH_METER")
local start = tonumber(common.env("BENCH_START"))
local origin = tonumber(common.env("BENCH_ORIGIN"))
local batch = tonumber(common.env("BENCH_BATCH", "10"))
local threads = tonumber(common.env("BENCH_THREADS"))
local gets, rows, moving = {}, nil, {}
local n, slot = 0, 0

function init(args)
  math.randomseed(os.time() + (tid or 0))
  for _, id in ipairs(common.lines(common.env("BENCH_IDS"))) do
    gets[#gets + 1] = wrk.format("GET", "/api/v1/work-orders/" .. id, common.headers)
  end
  rows = owned.new(function(rest)
    local v, s = rest:match("^(%d+)%s+(%S+)$")
    return { version = v, status = s }
  end)
end

function delay()
  return pace
end

local function move()
  local id = owned.take(rows)
  local row = rows.state[id]
  moving[id] = true
  local body = '{"to":"in_progress"}'
  if row.status == "in_progress" then
    body = string.format('{"to":"on_hold","reason":"%s"}', reason)
  end
  local headers = { ["Content-Type"] = "application/json",
                    ["Authorization"] = common.headers["Authorization"],
                    ["If-Match"] = 'W/"' .. row.version .. '"' }
  return wrk.format("POST", "/api/v1/work-orders/" .. id .. "/transitions", headers, body)
end

local function readings()
  local base = start + (slot * threads + tid) * batch
  slot = slot + 1
  local parts = {}
  for i = 0, batch - 1 do
    local t = base + i
    parts[#parts + 1] = string.format('{"meterId":"%s","value":%d,"measuredAt":"%s"}',
      meter, t - origin, os.date("!%Y-%m-%dT%H:%M:%SZ", t))
  end
  local body = '{"readings":[' .. table.concat(parts, ",") .. "]}"
  return wrk.format("POST", "/api/v1/meter-readings/bulk", common.headers, body)
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
  if kind == "move" then return move() end
  return readings()
end

function response(code, headers, body)
  local id = body:match('^{"id":"([0-9a-f-]+)"')
  if id == nil or not moving[id] then return end
  local now = body:match('"status":"([a-z_]+)"')
  local tag = headers["etag"] or headers["ETag"]
  if now ~= nil and tag ~= nil then
    moving[id] = nil
    owned.give(rows, id, { version = tag:match('(%d+)'), status = now })
  end
end

setup = common.setup
done = common.done
