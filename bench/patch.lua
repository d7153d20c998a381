-- wrk script (issue 33's webhooks benchmark): license changes through the API, PATCH of a
-- subscription's quantity, round the subscriptions of BENCH_IDS ("customer subscription assigned"
-- lines), each to a count above its assigned licenses (assigned + 1 to assigned + 50), so that
-- each request is a change the rules allow. The token is the command line's -H header.
local ids = {}
for line in io.lines(os.getenv("BENCH_IDS")) do
  local c, s, a = line:match("^(%S+)%s+(%S+)%s+(%S+)$")
  if c then ids[#ids + 1] = { c, s, tonumber(a) } end
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
  local quantity = pick[3] + 1 + (math.floor(n / #ids) % 50)
  local path = "/v1/customers/" .. pick[1] .. "/subscriptions/" .. pick[2]
  -- wrk.format takes these headers instead of wrk.headers: the token is copied over.
  local headers = { ["Content-Type"] = "application/json" }
  for k, v in pairs(wrk.headers) do headers[k] = v end
  return wrk.format("PATCH", path, headers, '{"quantity":' .. quantity .. '}')
end
