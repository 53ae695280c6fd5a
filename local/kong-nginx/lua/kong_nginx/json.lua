-- JSON encoding that keeps empty arrays: Debian's lua-cjson (the original, not
-- OpenResty's fork) has no array metatable and writes every empty table as
-- {}. Tables marked with json.array() are arrays; other tables are arrays
-- when they are non-empty sequences. Like cjson, "/" is escaped.
local cjson = require "cjson.safe"

local _M = {}
local ARRAY = {}

function _M.array(t)
  return setmetatable(t or {}, ARRAY)
end

function _M.is_array(t)
  return getmetatable(t) == ARRAY
end

local encode

local function is_sequence(t)
  local n = #t
  if n == 0 then
    return false
  end
  local count = 0
  for _ in pairs(t) do
    count = count + 1
  end
  return count == n
end

encode = function(v, out)
  local tv = type(v)
  if tv == "table" then
    if getmetatable(v) == ARRAY or is_sequence(v) then
      out[#out + 1] = "["
      for i = 1, #v do
        if i > 1 then
          out[#out + 1] = ","
        end
        encode(v[i], out)
      end
      out[#out + 1] = "]"
    else
      out[#out + 1] = "{"
      local first = true
      for k, val in pairs(v) do
        if not first then
          out[#out + 1] = ","
        end
        first = false
        out[#out + 1] = cjson.encode(tostring(k))
        out[#out + 1] = ":"
        encode(val, out)
      end
      out[#out + 1] = "}"
    end
  else
    out[#out + 1] = cjson.encode(v)
  end
end

function _M.encode(v)
  local out = {}
  encode(v, out)
  return table.concat(out)
end

return _M
