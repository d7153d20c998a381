-- wrk script: one form post, again and again (BENCH_PATH, BENCH_BODY; BENCH_COOKIE carries the
-- signed-in session). The review step: a license change's Submit, answered by its review page.
local path = os.getenv("BENCH_PATH")
local body = os.getenv("BENCH_BODY")
local cookie = os.getenv("BENCH_COOKIE")

request = function()
  return wrk.format("POST", path, {
    ["Content-Type"] = "application/x-www-form-urlencoded",
    ["Cookie"] = cookie,
  }, body)
end
