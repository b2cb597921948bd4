-- wrk script for tools/bench_server/run.sh: POSTs the body in env BODY_FILE to /predict, counts
-- answers that are not 200 and collects the server's x-compute-time, then prints one line:
-- RESULT p50_us p99_us requests_per_s not_200 server_p50_ms server_p99_ms
local file = assert(io.open(os.getenv("BODY_FILE"), "r"))
wrk.method = "POST"
wrk.body = file:read("*a")
file:close()
wrk.headers["Content-Type"] = "application/json"

local threads = {}
function setup(thread) table.insert(threads, thread) end

not_200 = 0
compute_ms = {}
function response(status, headers, body)
  if status ~= 200 then not_200 = not_200 + 1 end
  local t = headers["x-compute-time"]
  if t then compute_ms[#compute_ms + 1] = tonumber(t) end
end

local function percentile(sorted, p)
  if #sorted == 0 then return 0 end
  return sorted[math.max(1, math.ceil(#sorted * p / 100))]
end

function done(summary, latency, requests)
  local failures, times = 0, {}
  for _, thread in ipairs(threads) do
    failures = failures + thread:get("not_200")
    for _, t in ipairs(thread:get("compute_ms")) do times[#times + 1] = t end
  end
  table.sort(times)
  local seconds = summary.duration / 1e6
  io.write(string.format("RESULT %d %d %.1f %d %.3f %.3f\n", latency:percentile(50),
                         latency:percentile(99), summary.requests / seconds,
                         failures + summary.errors.connect + summary.errors.read +
                             summary.errors.write + summary.errors.timeout,
                         percentile(times, 50),
                         percentile(times, 99)))
end
