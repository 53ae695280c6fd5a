-- Microsecond monotonic time for the request stats (ngx.now() has ms steps).
local ffi = require "ffi"
ffi.cdef [[
  typedef struct { long tv_sec; long tv_nsec; } kn_timespec;
  int clock_gettime(int clk_id, kn_timespec *tp);
]]
local ts = ffi.new("kn_timespec")
local CLOCK_MONOTONIC = 1

return {
  now_us = function()
    ffi.C.clock_gettime(CLOCK_MONOTONIC, ts)
    return tonumber(ts.tv_sec) * 1e6 + tonumber(ts.tv_nsec) / 1e3
  end,
}
