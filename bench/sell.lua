-- wrk script: issue 31's writes, each request on fresh input. BENCH_SELL says which:
--   page-confirm   the Confirm of a held review, POST /reviews/{id} (BENCH_IDS: a file of
--                  "review-path key [holdings-version]" lines, one a draft, held before the run
--                  by bench/run.py's `hold_drafts`: a Submit of Add customer or Add subscription
--                  only holds a draft and answers 303 to its review; the Confirm makes the
--                  customer / places the order; BENCH_PRICES: the price list's version)
--   customer-api   POST /v1/customers (BENCH_BODY: Partner Center's body, PREFIX for the prefix,
--                  NAME for a company name of BENCH_NAMES)
--   order-api      POST /v1/customers/{id}/orders, one line of BENCH_OFFER (BENCH_IDS: a file
--                  of customer ids)
-- A Confirm takes the next draft of the file, one each (from BENCH_SKIP); past the file's end it would wrap round
-- to drafts already confirmed (a replay, cheap): run.py holds more drafts than a run can use.
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
    local f = {}
    for w in line:gmatch("%S+") do f[#f + 1] = w end
    if f[1] then ids[#ids + 1] = f end
  end
end
-- BENCH_NAMES: a file of company names, one a line (bench/run.py's `company_name`, named as
-- `portal seed` names the book's customers), for NAME in BENCH_BODY: the n-th request's is the
-- n-th line's.
local names = {}
if os.getenv("BENCH_NAMES") then
  for line in io.lines(os.getenv("BENCH_NAMES")) do names[#names + 1] = line end
end
local threads = 0

function setup(thread)
  thread:set("offset", threads)
  threads = threads + 1
end

function init(args)
  -- BENCH_SKIP: where a run starts in its inputs (run.py's warm-up takes those before it).
  n = offset + tonumber(os.getenv("BENCH_SKIP") or "0")
  stride = tonumber(os.getenv("BENCH_THREADS") or "2")
end

local function form(path, body)
  return wrk.format("POST", path, {
    ["Content-Type"] = "application/x-www-form-urlencoded",
    ["Cookie"] = cookie,
  }, "csrf=" .. csrf .. body .. "&confirm=1")
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
  -- The API's new customers apart from the pages' ("a…"; run.py's drafts hold "p…"): the same
  -- prefix in both runs made the API's first ones refusals (the domain taken), cheap and not
  -- what is measured.
  local prefix = string.format("a%dx%d", run, n)
  local pick = ids[(n % math.max(#ids, 1)) + 1]
  if sell == "page-confirm" then
    -- The review's own form: its key, and for an order the version and prices it was drawn at.
    local body = "&key=" .. pick[2]
    if pick[3] then
      body = body .. "&version=" .. pick[3] .. "&prices=" .. (os.getenv("BENCH_PRICES") or "0")
    end
    return form(pick[1], body)
  elseif sell == "customer-api" then
    local body = os.getenv("BENCH_BODY"):gsub("PREFIX", prefix)
    if #names > 0 then body = body:gsub("NAME", names[(n % #names) + 1]) end
    return api("/v1/customers", body)
  else
    return api("/v1/customers/" .. pick[1] .. "/orders", '{"lineItems":[{"lineItemNumber":0,"offerId":"'
      .. offer .. '","friendlyName":"Bench","quantity":1}],"billingCycle":"monthly"}')
  end
end
