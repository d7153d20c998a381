-- wrk script: new customers on the pages, each a Confirm of Add customer with its own one-time
-- key and a domain prefix no one holds. BENCH_FIELDS carries the form's other fields (encoded);
-- BENCH_CSRF and BENCH_COOKIE the signed-in session; BENCH_RUN tells one run's prefixes and keys
-- from another's on the same book.
local fields = os.getenv("BENCH_FIELDS")
local csrf = os.getenv("BENCH_CSRF")
local cookie = os.getenv("BENCH_COOKIE")
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
  local key = string.format("%08d-0000-4000-a000-%012d", run, n)
  local body = "csrf=" .. csrf .. "&key=" .. key .. "&prefix=" .. string.format("bp%dx%d", run, n)
    .. "&" .. fields .. "&confirm=1"
  return wrk.format("POST", "/customers/new", {
    ["Content-Type"] = "application/x-www-form-urlencoded",
    ["Cookie"] = cookie,
  }, body)
end
