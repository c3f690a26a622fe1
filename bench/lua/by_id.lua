-- GET BENCH_PREFIX .. <random id from the list in BENCH_IDS> .. BENCH_SUFFIX (default none).
package.path = os.getenv("BENCH_LUA") .. "/?.lua;" .. package.path
local common = require("common")

local prefix = common.env("BENCH_PREFIX")
local suffix = common.env("BENCH_SUFFIX", "")
local ids = nil
local requests = {}

function init(args)
  ids = common.lines(common.env("BENCH_IDS"))
  math.randomseed(os.time() + (tid or 0))
  for i = 1, #ids do
    requests[i] = wrk.format("GET", prefix .. ids[i] .. suffix, common.headers)
  end
end

function request()
  return requests[math.random(#requests)]
end

setup = common.setup
done = common.done
