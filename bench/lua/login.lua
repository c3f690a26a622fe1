-- POST /api/v1/auth/login (argon2 verification included). Each thread cycles through its own
-- share of BENCH_USERS accounts (BENCH_EMAIL is a pattern with %d), so no two requests in
-- flight sign in the same account: concurrent sign-ins of one account are not what this
-- measures (they conflict on the user's version, see RESULTS.md).
package.path = os.getenv("BENCH_LUA") .. "/?.lua;" .. package.path
local common = require("common")

local pattern = common.env("BENCH_EMAIL")
local users = tonumber(common.env("BENCH_USERS"))
local threads = tonumber(common.env("BENCH_THREADS"))
local password = common.env("BENCH_PASSWORD")
local headers = { ["Content-Type"] = "application/json" }
local n = 0

function request()
  local user = (tid + n * threads) % users
  n = n + 1
  local body = string.format('{"email":"%s","password":"%s"}', pattern:format(user), password)
  return wrk.format("POST", "/api/v1/auth/login", headers, body)
end

setup = common.setup
done = common.done
