-- wrk script: new customers through the API (POST /v1/customers), each with its own
-- MS-RequestId and a domain prefix no one holds. BENCH_BODY is Partner Center's body with PREFIX
-- where the prefix goes; BENCH_TOKEN the API token; BENCH_RUN tells one run's from another's.
local template = os.getenv("BENCH_BODY")
local token = os.getenv("BENCH_TOKEN")
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
  local body = template:gsub("PREFIX", string.format("ba%dx%d", run, n))
  return wrk.format("POST", "/v1/customers", {
    ["Content-Type"] = "application/json",
    ["Authorization"] = "Bearer " .. token,
    ["MS-RequestId"] = string.format("%08d-0000-4000-b000-%012d", run, n),
  }, body)
end
