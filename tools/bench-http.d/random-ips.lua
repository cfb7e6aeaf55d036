-- wrk script for tools/bench-http: GET /v1/decide?ip=A.B.C.D with uniformly random public
-- IPv4 addresses, the same sequence on every run (one fixed seed per wrk thread).
-- At the end it prints one machine-readable line, read by the script instead of wrk's
-- human summary (exact numbers, latencies in microseconds, no units to parse):
--   bench-http: requests_per_s=R p50_ms=X p99_ms=Y socket_errors=N http_errors=M
-- http_errors is wrk's own count ("Non-2xx or 3xx responses", i.e. status >= 400). Counting in
-- a response() hook would also catch 1xx/3xx, but makes wrk parse every response in Lua:
-- about 6% fewer requests/s on one wrk thread, which is already near its limit here.

local thread_count = 0

function setup(thread)
   thread_count = thread_count + 1
   thread:set("id", thread_count)
end

-- 0/8, 10/8, 100.64/10, 127/8, 169.254/16, 172.16/12, 192.168/16, 224/3
local function is_reserved(a, b)
   return a == 0 or a == 10 or a == 127 or a >= 224
      or (a == 100 and b >= 64 and b < 128)
      or (a == 169 and b == 254)
      or (a == 172 and b >= 16 and b < 32)
      or (a == 192 and b == 168)
end

local function random_public_ipv4()
   local a, b
   repeat
      a, b = math.random(0, 255), math.random(0, 255)
   until not is_reserved(a, b)
   return a .. "." .. b .. "." .. math.random(0, 255) .. "." .. math.random(0, 255)
end

function init(args)
   math.randomseed(20240601 + id)
end

function request()
   return wrk.format("GET", "/v1/decide?ip=" .. random_public_ipv4())
end

function done(summary, latency, requests)
   local e = summary.errors
   io.write(string.format(
      "bench-http: requests_per_s=%.1f p50_ms=%.3f p99_ms=%.3f socket_errors=%d http_errors=%d\n",
      summary.requests / (summary.duration / 1e6),
      latency:percentile(50) / 1000, latency:percentile(99) / 1000,
      e.connect + e.read + e.write + e.timeout, e.status))
end
