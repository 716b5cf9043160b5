-- wrk script: several paths of one server taking turns every `slice` milliseconds
-- of the monotonic clock (all connections switch together), and the requests sent
-- in each slice counted. Arguments after `--`: slice_ms path_0 path_1 ... ; slice
-- `k` (its index on the clock, floor(ms / slice_ms)) sends to path_(k mod n), and
-- `done` prints `slices <index of the first> <count> <count> ...` for the caller
-- to group (bench/lib/slices.mjs says what the counts can tell).
local ffi = require("ffi")
ffi.cdef [[
typedef struct { long tv_sec; long tv_nsec; } ballast_timespec;
int clock_gettime(int clock_id, ballast_timespec *tp);
]]
local CLOCK_MONOTONIC = 1
local ts = ffi.new("ballast_timespec")

local function now_ms()
  ffi.C.clock_gettime(CLOCK_MONOTONIC, ts)
  return tonumber(ts.tv_sec) * 1000 + tonumber(ts.tv_nsec) / 1e6
end

local threads = {}

function setup(thread)
  table.insert(threads, thread)
end

function init(args)
  slice = tonumber(args[1])
  prepared = {}
  for i = 2, #args do table.insert(prepared, wrk.format("GET", args[i])) end
  counts = {}
end

function request()
  local s = math.floor(now_ms() / slice)
  counts[s] = (counts[s] or 0) + 1
  return prepared[(s % #prepared) + 1]
end

function done(summary, latency, requests)
  local total = {}
  local low, high = math.huge, -math.huge
  for _, thread in ipairs(threads) do
    for s, n in pairs(thread:get("counts")) do
      total[s] = (total[s] or 0) + n
      if s < low then low = s end
      if s > high then high = s end
    end
  end
  local out = { "slices", string.format("%.0f", low) }
  for s = low, high do table.insert(out, tostring(total[s] or 0)) end
  io.write(table.concat(out, " "), "\n")
end
