-- wrk script: license changes, each on a fresh subscription. BENCH_IDS names a file of
-- "customer subscription licenses" lines (the new count); BENCH_CSRF and BENCH_COOKIE carry the
-- signed-in session; BENCH_PRICES the price list's version. Each request is the review's
-- Confirm, with its own one-time key.
local ids = {}
for line in io.lines(os.getenv("BENCH_IDS")) do
  local c, s, n = line:match("^(%S+)%s+(%S+)%s+(%S+)$")
  if c then ids[#ids + 1] = { c, s, n } end
end
local csrf = os.getenv("BENCH_CSRF")
local cookie = os.getenv("BENCH_COOKIE")
local prices = os.getenv("BENCH_PRICES") or "0"
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
  local key = string.format("00000000-0000-4000-9000-%012d", n)
  local body = "csrf=" .. csrf .. "&key=" .. key .. "&version=0&licenses=" .. pick[3] .. "&confirm=1&prices=" .. prices
  local path = "/customers/" .. pick[1] .. "/subscriptions/" .. pick[2] .. "/licenses"
  return wrk.format("POST", path, {
    ["Content-Type"] = "application/x-www-form-urlencoded",
    ["Cookie"] = cookie,
  }, body)
end
