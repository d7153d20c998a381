-- wrk script: orders on the pages, each the review's Confirm of Add subscription (one line of
-- BENCH_OFFER, one license) for a customer of its own, with its own one-time key. BENCH_IDS
-- names a file of "customer holdings-version" lines; BENCH_CSRF and BENCH_COOKIE carry the
-- signed-in session; BENCH_PRICES the price list's version the review showed.
local ids = {}
for line in io.lines(os.getenv("BENCH_IDS")) do
  local c, v = line:match("^(%S+)%s+(%S+)$")
  if c then ids[#ids + 1] = { c, v } end
end
local csrf = os.getenv("BENCH_CSRF")
local cookie = os.getenv("BENCH_COOKIE")
local prices = os.getenv("BENCH_PRICES") or "0"
local offer = os.getenv("BENCH_OFFER") or "O365_E1"
local run = tonumber(os.getenv("BENCH_RUN") or "0")
local threads = 0

function setup(thread)
  thread:set("offset", threads)
  threads = threads + 1
end

function init(args)
  n = offset
  stride = tonumber(os.getenv("BENCH_THREADS") or "2")
end

request = function()
  n = n + stride
  local pick = ids[(n % #ids) + 1]
  local key = string.format("%08d-0000-4000-c000-%012d", run, n)
  local body = "csrf=" .. csrf .. "&key=" .. key .. "&version=" .. pick[2] .. "&prices=" .. prices
    .. "&q-" .. offer .. "=1&n-" .. offer .. "=Bench&confirm=1"
  return wrk.format("POST", "/customers/" .. pick[1] .. "/orders/new", {
    ["Content-Type"] = "application/x-www-form-urlencoded",
    ["Cookie"] = cookie,
  }, body)
end
