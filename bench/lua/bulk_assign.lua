-- POST /api/v1/work-orders/bulk/assign: BENCH_SIZE consecutive ids of the sorted list in
-- BENCH_IDS from a random offset, to one of BENCH_ASSIGNEES (comma-separated) at random. The
-- list is sorted, so two requests that share work orders lock them in the same order.
package.path = os.getenv("BENCH_LUA") .. "/?.lua;" .. package.path
local common = require("common")

local size = tonumber(common.env("BENCH_SIZE"))
local ids = nil
local assignees = {}

function init(args)
  ids = common.lines(common.env("BENCH_IDS"))
  for id in string.gmatch(common.env("BENCH_ASSIGNEES"), "[^,]+") do
    assignees[#assignees + 1] = id
  end
  math.randomseed(os.time() + (tid or 0))
end

function request()
  local first = math.random(#ids - size + 1)
  local window = {}
  for i = first, first + size - 1 do window[#window + 1] = '"' .. ids[i] .. '"' end
  local body = string.format('{"ids":[%s],"assigneeIds":["%s"]}', table.concat(window, ","),
    assignees[math.random(#assignees)])
  return wrk.format("POST", "/api/v1/work-orders/bulk/assign", common.headers, body)
end

setup = common.setup
done = common.done
