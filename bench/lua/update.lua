-- PATCH /api/v1/assets/<id> with If-Match. BENCH_ROWS lists "id version" lines; each thread
-- owns its rows (owned.lua): a row leaves the queue while its PATCH is in flight and comes back
-- with the version of the ETag the response carried.
package.path = os.getenv("BENCH_LUA") .. "/?.lua;" .. package.path
local common = require("common")
local owned = require("owned")

local rows = nil
local n = 0

function init(args)
  rows = owned.new(function(rest) return rest:match("^(%d+)") end)
end

function request()
  local id = owned.take(rows)
  n = n + 1
  local headers = { ["Content-Type"] = "application/json",
                    ["Authorization"] = common.headers["Authorization"],
                    ["If-Match"] = 'W/"' .. rows.state[id] .. '"' }
  local body = string.format('{"name":"Asset bench %d-%d"}', tid, n)
  return wrk.format("PATCH", "/api/v1/assets/" .. id, headers, body)
end

function response(status, headers, body)
  local id = body:match('"id":"([0-9a-f-]+)"')
  local tag = headers["etag"] or headers["ETag"]
  if tag ~= nil then owned.give(rows, id, tag:match('(%d+)')) end
end

setup = common.setup
done = common.done
