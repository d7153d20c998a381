-- wrk script: issue 31's writes, each request on fresh input. BENCH_SELL says which:
--   customer-page  a Confirm of Add customer (BENCH_FIELDS: the form's other fields, encoded)
--   customer-api   POST /v1/customers (BENCH_BODY: Partner Center's body, PREFIX for the prefix)
--   order-page     a Confirm of Add subscription, one line of BENCH_OFFER (BENCH_IDS: a file of
--                  "customer holdings-version" lines; BENCH_PRICES: the price list's version)
--   order-api      POST /v1/customers/{id}/orders, one line of BENCH_OFFER (BENCH_IDS: a file
--                  of customer ids)
-- Each new customer has a domain prefix no one holds (nor the other door's run), each order a customer of its own; each
-- request its own one-time key (a form's key, the API's MS-RequestId). BENCH_CSRF and
-- BENCH_COOKIE carry the signed-in session, BENCH_TOKEN the API token; BENCH_RUN tells one
-- run's prefixes and keys from another's on the same book.
local sell = os.getenv("BENCH_SELL")
local run = tonumber(os.getenv("BENCH_RUN") or "0")
local offer = os.getenv("BENCH_OFFER") or "O365_E1"
local csrf = os.getenv("BENCH_CSRF")
local cookie = os.getenv("BENCH_COOKIE")
local token = os.getenv("BENCH_TOKEN")
local ids = {}
if os.getenv("BENCH_IDS") then
  for line in io.lines(os.getenv("BENCH_IDS")) do
    local c, v = line:match("^(%S+)%s*(%S*)$")
    if c then ids[#ids + 1] = { c, v } end
  end
end
local threads = 0

function setup(thread)
  thread:set("offset", threads)
  threads = threads + 1
end

function init(args)
  n = offset
  stride = tonumber(os.getenv("BENCH_THREADS") or "2")
end

local function form(path, body)
  return wrk.format("POST", path, {
    ["Content-Type"] = "application/x-www-form-urlencoded",
    ["Cookie"] = cookie,
  }, "csrf=" .. csrf .. "&key=" .. string.format("%08d-0000-4000-a000-%012d", run, n) .. body
    .. "&confirm=1")
end

local function api(path, body)
  return wrk.format("POST", path, {
    ["Content-Type"] = "application/json",
    ["Authorization"] = "Bearer " .. token,
    ["MS-RequestId"] = string.format("%08d-0000-4000-b000-%012d", run, n),
  }, body)
end

request = function()
  n = n + stride
  -- The pages' and the API's new customers of one run apart ("p…", "a…"): the same prefix in
  -- both runs made the API's first ones refusals (the domain taken), cheap and not what is
  -- measured.
  local prefix = string.format("%s%dx%d", sell == "customer-api" and "a" or "p", run, n)
  local pick = ids[(n % math.max(#ids, 1)) + 1]
  if sell == "customer-page" then
    return form("/customers/new", "&prefix=" .. prefix .. "&" .. os.getenv("BENCH_FIELDS"))
  elseif sell == "customer-api" then
    return api("/v1/customers", (os.getenv("BENCH_BODY"):gsub("PREFIX", prefix)))
  elseif sell == "order-page" then
    return form("/customers/" .. pick[1] .. "/orders/new", "&version=" .. pick[2] .. "&prices="
      .. (os.getenv("BENCH_PRICES") or "0") .. "&q-" .. offer .. "=1&n-" .. offer .. "=Bench")
  else
    return api("/v1/customers/" .. pick[1] .. "/orders", '{"lineItems":[{"lineItemNumber":0,"offerId":"'
      .. offer .. '","friendlyName":"Bench","quantity":1}],"billingCycle":"monthly"}')
  end
end
