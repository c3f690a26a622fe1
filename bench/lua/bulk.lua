-- POST /api/v1/meter-readings/bulk: BENCH_BATCH readings of the thread's meter, one second
-- apart, from BENCH_START (epoch seconds); slots and values as readings.lua says.
package.path = os.getenv("BENCH_LUA") .. "/?.lua;" .. package.path
local common = require("common")
local readings = require("readings")

local batches = nil

function init(args)
  batches = readings.new(tonumber(common.env("BENCH_BATCH", "5000")))
end

function request()
  return readings.request(batches)
end

setup = common.setup
done = common.done
