-- A plugin's `config` checked against the schema the plugin server dumped, as
-- Kong does before StartInstance (kong/db/schema/init.lua, simplified): the
-- types, `required`, `default`, `one_of`, `between`, `gt`, `len_min`,
-- `len_max`, records, arrays, sets and maps. Missing fields take their
-- default; a missing record is built from its fields' defaults; fields left
-- without a value are dropped (the DAO reads entities back with nulls off).
-- `{vault://env/NAME}` in a referenceable field is replaced by the variable
-- NAME (upper-cased, "-" as "_") of the environment Kong started in, like
-- kong/vaults/env.
local cjson = require "cjson.safe"
local json = require "kong_nginx.json"

local _M = {}
local null = cjson.null

local validate_field

local function first_pair(entry)
  for k, v in pairs(entry) do
    return k, v
  end
end

local function validate_record(fields, value, path, errors)
  if type(value) ~= "table" or json.is_array(value) or (#value > 0) then
    errors[#errors + 1] = path .. ": expected a record"
    return value
  end
  local known, out = {}, {}
  for _, entry in ipairs(fields or {}) do
    local name, field = first_pair(entry)
    known[name] = true
    local v = validate_field(field, value[name], path .. "." .. name, errors)
    if v ~= nil and v ~= null then
      out[name] = v
    end
  end
  for key in pairs(value) do
    if not known[key] then
      errors[#errors + 1] = path .. "." .. tostring(key) .. ": unknown field"
    end
  end
  return out
end

local function deep_copy(v)
  if type(v) ~= "table" then
    return v
  end
  local out = {}
  for k, x in pairs(v) do
    out[k] = deep_copy(x)
  end
  return setmetatable(out, getmetatable(v))
end

local function resolve_reference(ref, path, errors)
  local vault, name = ref:match("^{vault://([%w_-]+)/([^}]+)}$")
  if vault ~= "env" then
    errors[#errors + 1] = path .. ": vault '" .. tostring(vault) .. "' is not supported (only env)"
    return nil
  end
  local var = name:upper():gsub("-", "_")
  local value = os.getenv(var)
  if value == nil then
    errors[#errors + 1] = path .. ": unable to resolve reference " .. ref .. " (environment variable " .. var .. " is not set)"
  end
  return value
end

validate_field = function(field, value, path, errors)
  local t = field.type
  if value == nil or value == null then
    if field.default ~= nil and field.default ~= null then
      local d = deep_copy(field.default)
      if (t == "array" or t == "set") and type(d) == "table" then
        json.array(d)
      end
      return d
    end
    if t == "record" and type(field.fields) == "table" and value == nil then
      return validate_record(field.fields, {}, path, errors)
    end
    if field.required then
      errors[#errors + 1] = path .. ": required field missing"
    end
    return nil
  end
  if field.referenceable == true and type(value) == "string" and value:find("^{vault://") then
    return resolve_reference(value, path, errors)
  end
  if t == "string" then
    if type(value) ~= "string" then
      errors[#errors + 1] = path .. ": expected a string"
      return value
    end
    if field.len_min and #value < field.len_min then
      errors[#errors + 1] = path .. ": length must be at least " .. field.len_min
    end
    if field.len_max and #value > field.len_max then
      errors[#errors + 1] = path .. ": length must be at most " .. field.len_max
    end
  elseif t == "integer" then
    if type(value) ~= "number" or value % 1 ~= 0 then
      errors[#errors + 1] = path .. ": expected an integer"
      return value
    end
  elseif t == "number" then
    if type(value) ~= "number" then
      errors[#errors + 1] = path .. ": expected a number"
      return value
    end
  elseif t == "boolean" then
    if type(value) ~= "boolean" then
      errors[#errors + 1] = path .. ": expected a boolean"
      return value
    end
  elseif t == "array" or t == "set" then
    if type(value) ~= "table" then
      errors[#errors + 1] = path .. ": expected an array"
      return value
    end
    local out, seen = json.array({}), {}
    for i, v in ipairs(value) do
      local x = field.elements and validate_field(field.elements, v, path .. "[" .. i .. "]", errors) or v
      if t == "array" or not seen[x] then
        out[#out + 1] = x
        seen[x] = true
      end
    end
    return out
  elseif t == "map" then
    if type(value) ~= "table" then
      errors[#errors + 1] = path .. ": expected a map"
      return value
    end
    local out = {}
    for k, v in pairs(value) do
      out[k] = field.values and validate_field(field.values, v, path .. "." .. k, errors) or v
    end
    return out
  elseif t == "record" then
    return validate_record(field.fields or {}, value, path, errors)
  end
  if type(field.one_of) == "table" then
    local found = false
    for _, o in ipairs(field.one_of) do
      found = found or o == value
    end
    if not found then
      local names = {}
      for i, o in ipairs(field.one_of) do
        names[i] = tostring(o)
      end
      errors[#errors + 1] = path .. ": expected one of: " .. table.concat(names, ", ")
    end
  end
  if type(field.between) == "table" and type(value) == "number" then
    if value < field.between[1] or value > field.between[2] then
      errors[#errors + 1] = path .. ": value should be between " .. field.between[1] .. " and " .. field.between[2]
    end
  end
  if type(field.gt) == "number" and type(value) == "number" and not (value > field.gt) then
    errors[#errors + 1] = path .. ": value must be greater than " .. field.gt
  end
  return value
end

--- Returns the config with defaults filled in, or nil and "schema violation (...)".
function _M.validate(fields, input)
  local errors = {}
  local out = validate_record(fields, input or {}, "config", errors)
  if #errors > 0 then
    return nil, "schema violation (" .. table.concat(errors, "; ") .. ")"
  end
  return out
end

return _M
