-- POST /api/v1/work-orders/<id>/transitions with If-Match, toggling in_progress <-> on_hold
-- (on_hold with BENCH_REASON). BENCH_ROWS lists "id version status" lines; each thread owns its
-- rows (moves.lua).
package.path = os.getenv("BENCH_LUA") .. "/?.lua;" .. package.path
local common = require("common")
local moves = require("moves")

local m = nil

function init(args)
  m = moves.new(common.env("BENCH_REASON"))
end

function request()
  return moves.request(m)
end

function response(code, headers, body)
  moves.response(m, headers, body)
end

setup = common.setup
done = common.done
