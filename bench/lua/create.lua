-- POST /api/v1/assets with a code unique per run (BENCH_RUN), thread and request.
package.path = os.getenv("BENCH_LUA") .. "/?.lua;" .. package.path
local common = require("common")

local run = common.env("BENCH_RUN")
local path = common.env("BENCH_PATH", "/api/v1/assets")
local n = 0

function request()
  n = n + 1
  local code = string.format("zb-%s-%d-%d", run, tid, n)
  local body = string.format('{"code":"%s","name":"zz bench %s"}', code, code)
  return wrk.format("POST", path, common.headers, body)
end

setup = common.setup
done = common.done
