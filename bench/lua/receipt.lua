-- POST /api/v1/stock-movements: a receipt of 5 of a random part (BENCH_IDS) into the side's
-- storeroom (BENCH_STOREROOM), at a price that varies from request to request, so the
-- moving-average cost moves.
package.path = os.getenv("BENCH_LUA") .. "/?.lua;" .. package.path
local common = require("common")

local storeroom = common.env("BENCH_STOREROOM")
local ids = nil
local n = 0

function init(args)
  ids = common.lines(common.env("BENCH_IDS"))
  math.randomseed(os.time() + (tid or 0))
end

function request()
  n = n + 1
  local body = string.format(
    '{"partId":"%s","storeroomId":"%s","kind":"receipt","quantity":5,"unitCost":%d.%02d}',
    ids[math.random(#ids)], storeroom, 10 + n % 7, n % 100)
  return wrk.format("POST", "/api/v1/stock-movements", common.headers, body)
end

setup = common.setup
done = common.done
