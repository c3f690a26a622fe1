-- Shared by every scenario: environment, per-thread numbering and the JSON summary.
local M = {}

function M.env(name, default)
  local value = os.getenv(name)
  if value == nil or value == "" then
    if default == nil then error("missing environment variable " .. name) end
    return default
  end
  return value
end

M.headers = { ["Content-Type"] = "application/json" }
local auth = os.getenv("BENCH_AUTH")
if auth ~= nil and auth ~= "" then M.headers["Authorization"] = auth end

-- Threads get their number through setup(); every script that needs one installs this.
local counter = 0
function M.setup(thread)
  thread:set("tid", counter)
  counter = counter + 1
end

function M.lines(path)
  local rows = {}
  for line in io.lines(path) do
    if line ~= "" then rows[#rows + 1] = line end
  end
  return rows
end

-- One machine-readable line the harness parses (latencies in microseconds).
function M.done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    'BENCH_JSON {"requests":%d,"duration_us":%d,"bytes":%d,"connect":%d,"read":%d,' ..
    '"write":%d,"status":%d,"timeout":%d,"p50":%.1f,"p95":%.1f,"p99":%.1f,' ..
    '"mean":%.1f,"max":%.1f}\n',
    summary.requests, summary.duration, summary.bytes, e.connect, e.read, e.write, e.status,
    e.timeout, latency:percentile(50), latency:percentile(95), latency:percentile(99),
    latency.mean, latency.max))
end

return M
