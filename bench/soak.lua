-- wrk script: the soak's mixed load. Reads (the Details page, a search, the customer list, the
-- API's subscription and upgrades) and changes (the API's PATCH of a subscription's licenses,
-- alternating between two counts), in turn. BENCH_COOKIE is a signed-in session, BENCH_TOKEN an
-- API token, BENCH_IDS a file of "customer subscription" lines.
local ids = {}
for line in io.lines(os.getenv("BENCH_IDS")) do
  local c, s = line:match("^(%S+)%s+(%S+)$")
  if c then ids[#ids + 1] = { c, s } end
end
local cookie = os.getenv("BENCH_COOKIE")
local token = os.getenv("BENCH_TOKEN")
local n = 0

request = function()
  n = n + 1
  local pick = ids[(n % #ids) + 1]
  local details = "/customers/" .. pick[1] .. "/subscriptions/" .. pick[2]
  local api = "/v1" .. details
  local kind = n % 10
  if kind == 0 then
    local body = '{"quantity":' .. (5 + math.floor(n / 10) % 2) .. '}'
    return wrk.format("PATCH", api, {
      ["Authorization"] = "Bearer " .. token,
      ["Content-Type"] = "application/json",
    }, body)
  elseif kind <= 3 then
    return wrk.format("GET", details, { ["Cookie"] = cookie })
  elseif kind == 4 then
    return wrk.format("GET", "/?q=%E7%A7%91%E6%8A%80", { ["Cookie"] = cookie })
  elseif kind == 5 then
    return wrk.format("GET", "/", { ["Cookie"] = cookie })
  elseif kind <= 7 then
    return wrk.format("GET", api, { ["Authorization"] = "Bearer " .. token })
  else
    return wrk.format("GET", api .. "/upgrades", { ["Authorization"] = "Bearer " .. token })
  end
end
