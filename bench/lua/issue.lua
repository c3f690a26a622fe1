-- POST /api/v1/work-orders/<id>/parts/<line>/issue of 1. BENCH_ROWS lists "line work-order"
-- lines; each thread owns its lines (owned.lua), each in flight once at a time, so no request
-- waits for another's lock on its work order or stock row.
package.path = os.getenv("BENCH_LUA") .. "/?.lua;" .. package.path
local common = require("common")
local owned = require("owned")

local rows = nil

function init(args)
  rows = owned.new(function(work_order) return work_order end)
end

function request()
  local id = owned.take(rows)
  local path = "/api/v1/work-orders/" .. rows.state[id] .. "/parts/" .. id .. "/issue"
  return wrk.format("POST", path, common.headers, '{"quantity":1}')
end

-- The line comes back with its work order (the response names the line first).
function response(status, headers, body)
  local id = body:match('^{"id":"([0-9a-f-]+)"')
  if id ~= nil then owned.give(rows, id, rows.state[id]) end
end

setup = common.setup
done = common.done
