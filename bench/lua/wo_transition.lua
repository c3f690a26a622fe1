-- POST /api/v1/work-orders/<id>/transitions with If-Match, toggling in_progress <-> on_hold
-- (on_hold with BENCH_REASON). BENCH_ROWS lists "id version status" lines; each thread owns its
-- rows (owned.lua): a row leaves the queue while its transition is in flight and comes back
-- with the version of the response's ETag and the status the response reports.
package.path = os.getenv("BENCH_LUA") .. "/?.lua;" .. package.path
local common = require("common")
local owned = require("owned")

local reason = common.env("BENCH_REASON")
local rows = nil

function init(args)
  rows = owned.new(function(rest)
    local v, s = rest:match("^(%d+)%s+(%S+)$")
    return { version = v, status = s }
  end)
end

function request()
  local id = owned.take(rows)
  local row = rows.state[id]
  local body = '{"to":"in_progress"}'
  if row.status == "in_progress" then
    body = string.format('{"to":"on_hold","reason":"%s"}', reason)
  end
  local headers = { ["Content-Type"] = "application/json",
                    ["Authorization"] = common.headers["Authorization"],
                    ["If-Match"] = 'W/"' .. row.version .. '"' }
  return wrk.format("POST", "/api/v1/work-orders/" .. id .. "/transitions", headers, body)
end

function response(code, headers, body)
  local id = body:match('"id":"([0-9a-f-]+)"')
  local now = body:match('"status":"([a-z_]+)"')
  local tag = headers["etag"] or headers["ETag"]
  if now ~= nil and tag ~= nil then
    owned.give(rows, id, { version = tag:match('(%d+)'), status = now })
  end
end

setup = common.setup
done = common.done
