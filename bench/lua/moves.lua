-- Transitions of owned rows (owned.lua) between in_progress and on_hold (on_hold with a
-- reason), shared by wo_transition.lua and mixed.lua: a row leaves the queue while its request
-- is in flight and comes back with the version of the response's ETag and the status the
-- response reports.
local common = require("common")
local owned = require("owned")

local M = {}

function M.new(reason)
  local rows = owned.new(function(rest)
    local v, s = rest:match("^(%d+)%s+(%S+)$")
    return { version = v, status = s }
  end)
  return { rows = rows, reason = reason, moving = {} }
end

function M.request(m)
  local id = owned.take(m.rows)
  local row = m.rows.state[id]
  m.moving[id] = true
  local body = '{"to":"in_progress"}'
  if row.status == "in_progress" then
    body = string.format('{"to":"on_hold","reason":"%s"}', m.reason)
  end
  local headers = { ["Content-Type"] = "application/json",
                    ["Authorization"] = common.headers["Authorization"],
                    ["If-Match"] = 'W/"' .. row.version .. '"' }
  return wrk.format("POST", "/api/v1/work-orders/" .. id .. "/transitions", headers, body)
end

-- A response: a moved row comes back (any other response is left alone).
function M.response(m, headers, body)
  local id = body:match('^{"id":"([0-9a-f-]+)"')
  if id == nil or not m.moving[id] then return end
  local now = body:match('"status":"([a-z_]+)"')
  local tag = headers["etag"] or headers["ETag"]
  if now ~= nil and tag ~= nil then
    m.moving[id] = nil
    owned.give(m.rows, id, { version = tag:match('(%d+)'), status = now })
  end
end

return M
