-- wrk script: issue 31's writes, each request on fresh input. BENCH_SELL says which:
--   page-confirm   the Confirm of a held review, POST /reviews/{id} (BENCH_IDS: a file of
--                  "review-path key [holdings-version]" lines, one a draft, held before the run
--                  by bench/run.py's `hold_drafts`: a Submit of Add customer or Add subscription
--                  only holds a draft and answers 303 to its review; the Confirm makes the
--                  customer / places the order; BENCH_PRICES: the price list's version)
--   customer-api   POST /v1/customers (BENCH_BODY: Partner Center's body, PREFIX for the prefix)
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

-- A company name as `portal seed` makes them (a city, a word and a trade; seven in ten Chinese),
-- picked by a hash of n: new customers spread over the list's order, as real ones do, each
-- falling among the book's customers of that name.
local CITIES = { "北京", "上海", "深圳", "广州", "杭州", "成都", "南京", "武汉", "西安", "重庆",
  "天津", "苏州", "厦门", "青岛", "大连", "长沙", "郑州", "济南", "合肥", "福州", "昆明", "沈阳",
  "宁波", "无锡" }
local WORDS = { "云途", "星河", "蓝海", "青山", "明珠", "锦程", "金陵", "长江", "古城", "山城",
  "港湾", "园林", "鹭岛", "海风", "星海", "湘江", "华夏", "东方", "恒信", "博远", "瑞丰", "天成",
  "新锐", "智联" }
local TRADES = { "科技有限公司", "贸易有限公司", "电子有限公司", "文化传媒", "物流有限公司",
  "软件有限公司", "设计院", "制造有限公司", "旅游集团", "餐饮管理", "教育集团", "医药有限公司",
  "建筑设计" }
local LATIN = { "Contoso", "Fabrikam", "Adatum", "Litware", "Northwind", "Tailspin", "Wingtip",
  "Proseware", "Woodgrove", "Alpine", "Fourth", "Margie", "Coho", "Lucerne", "Humongous", "Trey",
  "Wide World" }
local LATIN_TRADES = { "Consulting", "Trading", "Foods", "Logistics", "Software", "Design", "Bank",
  "Travel" }

function name_of(n)
  local h = (n * 2654435761) % 4294967296
  local function pick(list)
    local i = h % #list
    h = (h - i) / #list
    return list[i + 1]
  end
  if h % 10 < 7 then
    h = (h - h % 10) / 10
    return pick(CITIES) .. pick(WORDS) .. pick(TRADES)
  end
  h = (h - h % 10) / 10
  return pick(LATIN) .. " " .. pick(LATIN_TRADES) .. " " .. (h % 100000)
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
    return api("/v1/customers", (os.getenv("BENCH_BODY"):gsub("PREFIX", prefix):gsub("NAME", name_of(n))))
  else
    return api("/v1/customers/" .. pick[1] .. "/orders", '{"lineItems":[{"lineItemNumber":0,"offerId":"'
      .. offer .. '","friendlyName":"Bench","quantity":1}],"billingCycle":"monthly"}')
  end
end
