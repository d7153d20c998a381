-- wrk script (issue 33's webhooks benchmark): license changes through the API, PATCH of a
-- subscription's quantity, round the subscriptions of BENCH_IDS ("customer subscription" lines),
-- each to a count of its own (10 to 59), so that each request is a change.
local ids = {}
for line in io.lines(os.getenv("BENCH_IDS")) do
  local c, s = line:match("^(%S+)%s+(%S+)$")
  if c then ids[#ids + 1] = { c, s } end
end
local threads = 0

function setup(thread)
  thread:set("offset", threads)
  threads = threads + 1
end

function init(args)
  n = offset * 100000
end

request = function()
  n = n + 1
  local pick = ids[(n % #ids) + 1]
  local quantity = 10 + (math.floor(n / #ids) % 50)
  local path = "/v1/customers/" .. pick[1] .. "/subscriptions/" .. pick[2]
  return wrk.format("PATCH", path, { ["Content-Type"] = "application/json" },
    '{"quantity":' .. quantity .. '}')
end
