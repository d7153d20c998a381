-- wrk script: orders through the API (POST /v1/customers/{id}/orders: one line of BENCH_OFFER,
-- one license), each for a customer of its own and with its own MS-RequestId. BENCH_IDS names a
-- file of customer ids; BENCH_TOKEN is the API token; BENCH_RUN tells one run's from another's.
local ids = {}
for line in io.lines(os.getenv("BENCH_IDS")) do
  local c = line:match("^(%S+)")
  if c then ids[#ids + 1] = c end
end
local token = os.getenv("BENCH_TOKEN")
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
  local customer = ids[(n % #ids) + 1]
  return wrk.format("POST", "/v1/customers/" .. customer .. "/orders", {
    ["Content-Type"] = "application/json",
    ["Authorization"] = "Bearer " .. token,
    ["MS-RequestId"] = string.format("%08d-0000-4000-d000-%012d", run, n),
  }, '{"lineItems":[{"lineItemNumber":0,"offerId":"' .. offer .. '","friendlyName":"Bench","quantity":1}],'
    .. '"billingCycle":"monthly"}')
end
