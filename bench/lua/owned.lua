-- Rows a thread owns (every BENCH_THREADS-th line of BENCH_ROWS) in a queue: a row leaves it
-- while its request is in flight and comes back with what the response said of it. Each line
-- is "id field...", parsed into the row's state by the caller's `parse`.
local common = require("common")

local M = {}

function M.new(parse)
  local threads = tonumber(common.env("BENCH_THREADS"))
  local rows = common.lines(common.env("BENCH_ROWS"))
  local q = { ready = {}, head = 1, tail = 0, state = {} }
  for i = 1, #rows do
    if (i - 1) % threads == tid then
      local id, rest = rows[i]:match("^(%S+)%s+(.*)$")
      q.tail = q.tail + 1
      q.ready[q.tail] = id
      q.state[id] = parse(rest)
    end
  end
  return q
end

-- The next free row (every row in flight: reuse one, a stale version shows as an error).
function M.take(q)
  if q.head > q.tail then return next(q.state) end
  local id = q.ready[q.head]
  q.ready[q.head] = nil
  q.head = q.head + 1
  return id
end

-- The row is back (known ids only), with its new state.
function M.give(q, id, state)
  if id == nil or q.state[id] == nil then return end
  q.state[id] = state
  q.tail = q.tail + 1
  q.ready[q.tail] = id
end

return M
