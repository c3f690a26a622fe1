-- A fixed GET (BENCH_PATH), built once: lists, pages, search, health.
package.path = os.getenv("BENCH_LUA") .. "/?.lua;" .. package.path
local common = require("common")

wrk.method = "GET"
wrk.path = common.env("BENCH_PATH")
wrk.headers = common.headers
done = common.done
