-- One wrk script for every scenario, configured from the environment:
--   BENCH_METHOD, BENCH_BODY (a string.format template with one %s when
--   BENCH_TOKENS_FILE is set), BENCH_TOKEN (Bearer), BENCH_TOKENS_FILE (one
--   single-use token per line, split between threads), BENCH_THREADS.
-- Every answer is checked: a status other than 200, or a GraphQL error in the
-- body, counts as bad, and the harness prints the count beside the figures.
local method = os.getenv("BENCH_METHOD") or "GET"
local template = os.getenv("BENCH_BODY")
local bearer = os.getenv("BENCH_TOKEN") or ""
local tokens_file = os.getenv("BENCH_TOKENS_FILE") or ""
local thread_count = tonumber(os.getenv("BENCH_THREADS") or "1")

local threads = {}
local next_id = 0

function setup(thread)
  thread:set("id", next_id)
  next_id = next_id + 1
  table.insert(threads, thread)
end

function init(args)
  wrk.method = method
  wrk.headers["Accept"] = "application/json"
  if template then
    wrk.headers["Content-Type"] = "application/json"
    wrk.body = template
  end
  if bearer ~= "" then
    wrk.headers["Authorization"] = "Bearer " .. bearer
  end
  bad = 0
  pool = nil
  if tokens_file ~= "" then
    pool = {}
    local n = 0
    for line in io.lines(tokens_file) do
      if n % thread_count == id then
        table.insert(pool, line)
      end
      n = n + 1
    end
    if #pool == 0 then
      -- Fewer tokens than threads: a reusable (stateless) token, share it.
      for line in io.lines(tokens_file) do
        table.insert(pool, line)
      end
    end
    cursor = 1
  end
end

function request()
  if pool then
    local token = pool[cursor]
    if cursor < #pool then
      cursor = cursor + 1
    end
    return wrk.format(nil, nil, nil, string.format(template, token))
  end
  return wrk.format()
end

function response(status, headers, body)
  if status ~= 200 or string.find(body, '"errors":%s*%[%s*{') then
    bad = bad + 1
  end
end

function done(summary, latency, requests)
  local total = 0
  for _, thread in ipairs(threads) do
    total = total + (thread:get("bad") or 0)
  end
  io.write(string.format("BENCH_BAD %d\n", total))
end
