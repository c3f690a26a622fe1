-- POST /api/v1/work-orders with a title unique per run (BENCH_RUN), thread and request.
package.path = os.getenv("BENCH_LUA") .. "/?.lua;" .. package.path
local common = require("common")

local run = common.env("BENCH_RUN")
local n = 0

function request()
  n = n + 1
  local body = string.format('{"title":"zz bench %s-%d-%d"}', run, tid, n)
  return wrk.format("POST", "/api/v1/work-orders", common.headers, body)
end

setup = common.setup
done = common.done
