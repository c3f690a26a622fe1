-- PATCH /api/v1/assets/<id> with If-Match. BENCH_ROWS lists "id version" lines; each thread
-- owns every BENCH_THREADS-th row and keeps them in a queue: a row leaves it while its PATCH is
-- in flight and comes back with the version of the ETag the response carried.
package.path = os.getenv("BENCH_LUA") .. "/?.lua;" .. package.path
local common = require("common")

local threads = tonumber(common.env("BENCH_THREADS"))
local ready, head, tail, version = {}, 1, 0, {}
local n = 0

function init(args)
  local rows = common.lines(common.env("BENCH_ROWS"))
  for i = 1, #rows do
    if (i - 1) % threads == tid then
      local id, v = rows[i]:match("^(%S+)%s+(%d+)$")
      tail = tail + 1
      ready[tail] = id
      version[id] = v
    end
  end
end

function request()
  local id
  if head <= tail then
    id = ready[head]
    ready[head] = nil
    head = head + 1
  else
    id = next(version)  -- every row in flight: reuse one (a stale version shows as an error)
  end
  n = n + 1
  local headers = { ["Content-Type"] = "application/json",
                    ["Authorization"] = common.headers["Authorization"],
                    ["If-Match"] = 'W/"' .. version[id] .. '"' }
  local body = string.format('{"name":"Asset bench %d-%d"}', tid, n)
  return wrk.format("PATCH", "/api/v1/assets/" .. id, headers, body)
end

function response(status, headers, body)
  local id = body:match('"id":"([0-9a-f-]+)"')
  local tag = headers["etag"] or headers["ETag"]
  if id ~= nil and tag ~= nil and version[id] ~= nil then
    version[id] = tag:match('(%d+)')
    tail = tail + 1
    ready[tail] = id
  end
end

setup = common.setup
done = common.done
