-- wrk script: API upgrades (POST …/upgrades), each on a fresh eligible subscription (one per
-- customer), each with its own MS-RequestId. BENCH_IDS names a file of "customer subscription"
-- lines; BENCH_TOKEN is the API token.
local ids = {}
for line in io.lines(os.getenv("BENCH_IDS")) do
  local c, s = line:match("^(%S+)%s+(%S+)$")
  if c then ids[#ids + 1] = { c, s } end
end
local token = os.getenv("BENCH_TOKEN")
local threads = 0

function setup(thread)
  thread:set("offset", threads)
  threads = threads + 1
  thread:set("stride", 0)
end

function init(args)
  n = offset
  stride = tonumber(os.getenv("BENCH_THREADS") or "2")
end

request = function()
  n = n + stride
  local pick = ids[(n % #ids) + 1]
  local path = "/v1/customers/" .. pick[1] .. "/subscriptions/" .. pick[2] .. "/upgrades"
  return wrk.format("POST", path, {
    ["Content-Type"] = "application/json",
    ["Authorization"] = "Bearer " .. token,
    ["MS-RequestId"] = string.format("00000000-0000-4000-8000-%012d", n),
  }, '{"targetOffer":{"id":"O365_E1"},"quantity":1}')
end
