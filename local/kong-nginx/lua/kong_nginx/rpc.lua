-- Kong's side of the plugin server's MessagePack RPC, written from
-- kong/runloop/plugin_servers/rpc/mp_rpc.lua and plugin.lua (Kong 3.9):
--   * one call = connect (pooled cosocket) to the unix socket, send
--     [0, id, method, {args}], read one MessagePack value [1, id, err, result];
--   * plugin.StartInstance {Name, Config = JSON} per plugin id and __seq__, the
--     previous instance closed once replaced;
--   * plugin.HandleEvent, then each PDK call the plugin asks for is answered
--     through plugin.Step / StepMultiMap / StepConsumer / ... with only the
--     PDK function's first return value;
--   * "no plugin instance" forgets this worker's instances and retries the
--     event; any other RPC error is logged and the phase simply ends.
local mp = require "MessagePack"
local json = require "kong_nginx.json"
local clock = require "kong_nginx.clock"
local pdk = require "kong_nginx.pdk"

local ngx = ngx
local unpack = unpack
local find = string.find

do
  -- Kong packs cjson.null as nil and lets functions write raw MessagePack.
  local cjson = require "cjson.safe"
  local nil_pack = mp.packers["nil"]
  mp.packers.userdata = function(buffer, u)
    if u == cjson.null then
      return nil_pack(buffer)
    end
    error "pack 'userdata' is unimplemented"
  end
  mp.packers["function"] = function(buffer, f)
    f(buffer)
  end
end

local function empty_map(buffer)
  mp.packers["map"](buffer, {}, 0)
end
local function empty_array(buffer)
  mp.packers["array"](buffer, {}, 0)
end

-- fix_mmap: single values become one-element arrays, flags empty arrays.
local function fix_mmap(t)
  local o, empty = {}, true
  for k, v in pairs(t or {}) do
    empty = false
    if v == true then
      o[k] = empty_array
    elseif type(v) == "string" then
      o[k] = { v }
    else
      o[k] = v
    end
  end
  return empty and empty_map or o
end

-- fix_raw wraps the body as bin; Kong wraps nil too, and lua-MessagePack then
-- fails on #nil while packing the Step: the request ends in a Lua error.
local function fix_raw(bin)
  return function(buffer)
    mp.packers["binary"](buffer, bin)
  end
end

local MUST_FIX = {
  ["kong.request.get_query"] = fix_mmap,
  ["kong.request.get_headers"] = fix_mmap,
  ["kong.response.get_headers"] = fix_mmap,
  ["kong.service.response.get_headers"] = fix_mmap,
  ["kong.request.get_raw_body"] = fix_raw,
  ["kong.response.get_raw_body"] = fix_raw,
  ["kong.service.response.get_raw_body"] = fix_raw,
}

local STEP_BY_METHOD = {
  ["kong.client.get_credential"] = "plugin.StepCredential",
  ["kong.client.load_consumer"] = "plugin.StepConsumer",
  ["kong.client.get_consumer"] = "plugin.StepConsumer",
  ["kong.client.authenticate"] = "plugin.StepCredential",
  ["kong.node.get_memory_stats"] = "plugin.StepMemoryStats",
  ["kong.router.get_route"] = "plugin.StepRoute",
  ["kong.router.get_service"] = "plugin.StepService",
  ["kong.request.get_query"] = "plugin.StepMultiMap",
  ["kong.request.get_headers"] = "plugin.StepMultiMap",
  ["kong.response.get_headers"] = "plugin.StepMultiMap",
  ["kong.service.response.get_headers"] = "plugin.StepMultiMap",
}

local _M = {}

local msg_id = 0

--- One RPC call; returns result or nil, err. `stats` (optional) collects wait time.
function _M.call(socket_path, stats, method, ...)
  msg_id = msg_id + 1
  local id = msg_id
  local t0 = clock.now_us()
  local c, err = ngx.socket.connect("unix:" .. socket_path)
  if not c then
    ngx.log(ngx.ERR, "trying to connect: ", err)
    if stats then
      stats.rpc_us = stats.rpc_us + clock.now_us() - t0
    end
    return nil, err
  end
  local bytes
  bytes, err = c:send(mp.pack({ 0, id, method, { ... } }))
  if not bytes then
    c:setkeepalive()
    return nil, err
  end
  local reader = mp.unpacker(function()
    return c:receiveany(4096)
  end)
  while true do
    local ok, data = reader()
    if not ok then
      c:close()
      if stats then
        stats.rpc_us = stats.rpc_us + clock.now_us() - t0
      end
      return nil, "no data"
    end
    if data[1] ~= 2 then -- 2 would be a notification: Kong only logs serverPid ones
      if data[1] ~= 1 or data[2] ~= id then
        c:close()
        error("unexpected RPC response from the plugin server")
      end
      c:setkeepalive()
      if stats then
        stats.rpc_us = stats.rpc_us + clock.now_us() - t0
      end
      if data[3] ~= nil then
        return nil, tostring(data[3])
      end
      return data[4]
    end
  end
end

-- Instances this worker started, by plugin id (plugin.lua running_instances).
local instances = {}
-- Another worker's "no plugin instance" resets ours too (Kong posts a worker event).
local EPOCH_KEY = "plugin_instances_epoch"
local seen_epoch = 0

local function check_epoch(shm)
  local epoch = shm:get(EPOCH_KEY) or 0
  if epoch ~= seen_epoch then
    seen_epoch = epoch
    instances = {}
  end
end

function _M.reset_instances(shm)
  instances = {}
  seen_epoch = shm:incr(EPOCH_KEY, 1, 0)
end

function _M.known_instances()
  local out = {}
  for k, v in pairs(instances) do
    out[k] = v.id
  end
  return out
end

local function get_instance_id(plugin, conf, stats)
  local key = conf.__plugin_id
  local info = instances[key]
  local waited = 0
  while info and not info.id do -- another request is starting it
    ngx.sleep(0.1)
    waited = waited + 1
    if waited > 100 then
      instances[key] = nil
      return nil, "Could not claim instance_id for " .. plugin.name .. " (key: " .. key .. ")"
    end
    info = instances[key]
  end
  if info and info.id and info.seq == conf.__seq__ then
    return info.id
  end
  local old_id = info and info.id
  if not info then
    info = { seq = conf.__seq__ }
    instances[key] = info
  else
    info.id = nil
  end
  local status, err = _M.call(plugin.socket, stats, "plugin.StartInstance", { Name = plugin.name, Config = json.encode(conf) })
  if status == nil then
    ngx.log(ngx.ERR, "starting instance: ", err)
    instances[key] = nil
    error(err)
  end
  info.id = status.Id
  info.seq = conf.__seq__
  if old_id then
    _M.call(plugin.socket, stats, "plugin.CloseInstance", old_id)
  end
  return info.id
end

local function bridge_loop(plugin, instance_id, k)
  local stats = k.stats
  local step_in, err = _M.call(plugin.socket, stats, "plugin.HandleEvent", { InstanceId = instance_id, EventName = k.phase })
  if not step_in then
    return nil, err
  end
  local event_id = step_in.EventId
  while step_in.Data ~= "ret" do
    local method, args = step_in.Data.Method, step_in.Data.Args
    local trace = k.trace
    if trace then -- only while someone reads the stats
      trace[#trace + 1] = { phase = k.phase, method = method, args = args }
    end
    local res = pdk.call(k, method, args)
    if trace then
      trace[#trace].result = res
    end
    local fix = MUST_FIX[method]
    if fix then
      res = fix(res)
    end
    step_in, err = _M.call(plugin.socket, stats, STEP_BY_METHOD[method] or "plugin.Step", { EventId = event_id, Data = res })
    if not step_in then
      return nil, err
    end
  end
  return true
end

--- Rpc:handle_event. Lua errors (PDK argument errors, a failed StartInstance) propagate.
function _M.handle_event(plugin, conf, k, shm)
  check_epoch(shm)
  local instance_id, err = get_instance_id(plugin, conf, k.stats)
  if not err then
    local _
    _, err = bridge_loop(plugin, instance_id, k)
  end
  if err then
    if find(err:lower(), "no plugin instance", 1, true) then
      _M.reset_instances(shm)
      ngx.log(ngx.WARN, err)
      return _M.handle_event(plugin, conf, k, shm)
    end
    ngx.log(ngx.ERR, err)
  end
end

return _M
