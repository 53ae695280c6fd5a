-- Kong's request lifecycle around an external plugin, for nginx with
-- OpenResty's Lua module (the parts of kong/init.lua, kong/runloop/handler.lua
-- and kong/templates/nginx_kong.lua that a JS plugin meets):
--   init          master: plugin info from the plugin server's dump, the
--                 declarative config, plugin configs checked with the schema;
--   init_worker   worker 0 runs the plugin server (process.lua);
--   rewrite       global plugins' rewrite phase;
--   access        router, the internal redirect to @unbuffered* for routes
--                 without buffering, the plugin's access phase in a coroutine
--                 (kong.response.exit yields it; an error is a 500), Kong's
--                 upstream variables and Host;
--   balancer      the target (service or kong.service.set_target), timeouts,
--                 retries;
--   header_filter Kong's response headers; log: the plugin's log phase in a
--                 timer with the saved request data, and the stats datagram.
local cjson = require "cjson.safe"
local balancer = require "ngx.balancer"
local clock = require "kong_nginx.clock"
local errors = require "kong_nginx.errors"
local pdk = require "kong_nginx.pdk"
local process = require "kong_nginx.process"
local router_mod = require "kong_nginx.router"
local rpc = require "kong_nginx.rpc"
local schema = require "kong_nginx.schema"

local ngx = ngx
local var = ngx.var
local fmt = string.format

local SERVER_HEADER = "kong/3.9.1"
local WORKSPACE_ID = "0dc6f45b-8f8d-40d2-a504-473544ee190b"

local _M = {}

local cfg, plugin, configs, global_config, router, server, stats_peer
local shm

local function read_file(path)
  local f = assert(io.open(path, "rb"))
  local s = f:read("*a")
  f:close()
  return s
end

local function has_phase(name)
  return plugin.phases_set[name] == true
end

--- init_by_lua (nginx master; again on every `nginx -s reload`).
function _M.init(config_path)
  cfg = assert(cjson.decode(read_file(config_path)))
  server = cfg.plugin_server
  local info, err = process.query_plugin_info(server)
  if not info then
    error("failed loading external plugins: " .. err, 0)
  end
  if #info.reported > 1 then
    ngx.log(ngx.WARN, "[pluginserver] ", #info.reported, " plugins reported; Kong 3.9 registers only the first: ", info.name)
  end
  plugin = { name = info.name, phases = info.phases, phases_set = {}, socket = server.socket, schema = info.schema }
  for _, p in ipairs(info.phases) do
    plugin.phases_set[p] = true
  end

  local fields = info.schema and info.schema.fields and info.schema.fields[1] and info.schema.fields[1].config and info.schema.fields[1].config.fields or {}
  configs, global_config = {}, nil
  local seq = 0
  for _, entity in ipairs(cfg.plugins) do
    if entity.name ~= info.name then
      error(fmt("plugin '%s' not enabled; the plugin server's first plugin is '%s'", entity.name, info.name), 0)
    end
    if entity.enabled ~= false then
      local conf, verr = schema.validate(fields, entity.config)
      if not conf then
        error(fmt("plugin '%s': %s", entity.name, verr), 0)
      end
      if entity.route then
        conf.route_id = entity.route.id
      end
      if entity.service then
        conf.service_id = entity.service.id
      end
      if entity.instance_name then
        conf.plugin_instance_name = entity.instance_name
      end
      conf.__plugin_id = entity.id
      conf.__key__ = table.concat({ "plugins", entity.name, entity.route and entity.route.id or "", entity.service and entity.service.id or "", "", "", WORKSPACE_ID }, ":")
      seq = seq + 1
      conf.__seq__ = seq
      local c = { entity = entity, conf = conf }
      configs[#configs + 1] = c
      if not entity.route and not entity.service then
        global_config = c
      end
    end
  end
  router = router_mod.new(cfg.routes, cfg.services)
  stats_peer = cfg.stats
  pdk.init({ node_id = cfg.node_id, hostname = cfg.hostname, plugin_name = plugin.name, consumers = cfg.consumers or {} })
end

function _M.init_worker()
  shm = ngx.shared.kong_nginx
  math.randomseed(ngx.worker.pid() * 1000003 + ngx.now() * 1000)
  process.start(server, cfg.launcher_pid)
end

function _M.exit_worker()
  process.stop(server)
end

local function pick_config(route_id, service_id)
  local best, rank = nil, 0
  for _, c in ipairs(configs) do
    local r, s = c.entity.route and c.entity.route.id, c.entity.service and c.entity.service.id
    local score = 0
    if r and s then
      score = (r == route_id and s == service_id) and 4 or 0
    elseif r then
      score = r == route_id and 3 or 0
    elseif s then
      score = s == service_id and 2 or 0
    else
      score = 1
    end
    if score > rank then
      best, rank = c, score
    end
  end
  return best
end

local function new_state()
  local k = {
    phase = "rewrite",
    shared = {},
    nginx_ctx = {},
    serialize = {},
    balancer = {},
    stats = { rpc_us = 0 },
    started_us = clock.now_us(),
  }
  if stats_peer then
    k.trace = {}
    k.phases = {}
  end
  ngx.ctx.kn = k
  return k
end

local function request_id()
  return fmt("%08x%08x%08x%08x", math.random(0, 0x7fffffff) * 2 + math.random(0, 1), math.random(0, 0x7fffffff) * 2 + math.random(0, 1),
    math.random(0, 0x7fffffff) * 2 + math.random(0, 1), math.random(0, 0x7fffffff) * 2 + math.random(0, 1))
end

local function run_phase(k, c, phase)
  k.phase = phase
  k.plugin = c.entity
  if k.phases then
    k.phases[#k.phases + 1] = phase
  end
  rpc.handle_event(plugin, c.conf, k, shm)
end

local function send_stats(premature, record)
  local udp = ngx.socket.udp()
  if udp:setpeername(stats_peer.host, stats_peer.port) then
    udp:send(cjson.encode(record))
  end
  udp:close()
end

local function stats_record(k, kind)
  return {
    kind = kind,
    requestId = k.request_id,
    method = k.method,
    path = k.request_uri,
    phases = k.phases,
    trace = k.trace,
    pluginServerMs = k.stats.rpc_us / 1000,
  }
end

--- rewrite_by_lua: Kong.rewrite runs only global plugins (no route yet).
function _M.rewrite()
  if var.kong_proxy_mode ~= "http" then
    return -- after the internal redirect to @unbuffered*: already done
  end
  var.kong_request_id = request_id()
  if global_config and has_phase("rewrite") then
    local k = new_state()
    run_phase(k, global_config, "rewrite")
  end
end

local function flush_delayed(k)
  local dr = k.delayed_response
  k.delay_response = nil
  if dr.unexpected then
    return pdk.error_response(k, 500, errors.message(500))
  end
  return pdk.send(k, dr.status, dr.body, dr.headers)
end

local function is_ip(host)
  return host:find("^%d+%.%d+%.%d+%.%d+$") or host:find(":", 1, true)
end

--- access_by_lua: Kong.access with runloop access.before/after.
function _M.access()
  local k = ngx.ctx.kn or new_state()
  k.request_id = var.kong_request_id
  k.method = ngx.req.get_method()
  k.request_uri = var.request_uri
  local uri = var.request_uri
  local q = uri:find("?", 2, true)
  local path = q and uri:sub(1, q - 1) or uri
  local match = router_mod.match(router, k.method, (var.host or ""):lower(), path)
  k.phase = "access"
  if not match then
    return pdk.error_response(k, 404, "no Route matched with those values")
  end
  local route, service = match.route, match.service
  if service and var.kong_proxy_mode == "http" then
    if route.request_buffering == false then
      return ngx.exec(route.response_buffering == false and "@unbuffered" or "@unbuffered_request")
    elseif route.response_buffering == false then
      return ngx.exec("@unbuffered_response")
    end
  end
  k.route, k.service, k.prefix = route, service, match.prefix

  local b = k.balancer
  if service then
    b.scheme, b.host, b.port = service.protocol, service.host, service.port
    b.retries = service.retries
    b.connect_timeout, b.write_timeout, b.read_timeout = service.connect_timeout, service.write_timeout, service.read_timeout
    var.upstream_scheme = service.protocol
    var.upstream_uri = match.upstream_uri
  end
  if route.preserve_host then
    var.upstream_host = var.http_host
  end
  var.upstream_connection = "keep-alive"
  local xff = var.http_x_forwarded_for
  var.upstream_x_forwarded_for = xff and (xff .. ", " .. var.realip_remote_addr) or var.remote_addr
  var.upstream_x_forwarded_proto = var.scheme
  var.upstream_x_forwarded_host = var.host
  var.upstream_x_forwarded_port = var.server_port
  var.upstream_x_forwarded_path = path
  var.upstream_x_forwarded_prefix = match.prefix ~= "/" and match.prefix or ""
  local via = var.http_via
  local own_via = fmt("%s %s", ngx.req.http_version(), SERVER_HEADER)
  var.upstream_via = via and (via .. ", " .. own_via) or own_via

  local applied = service and pick_config(route.id, service.id) or global_config
  if applied and has_phase("access") then
    -- execute_collecting_plugins_iterator: the handler runs in a coroutine;
    -- kong.response.exit records the response and yields; an error is a 500.
    k.delay_response = true
    local co = coroutine.create(run_phase)
    local ok, err = coroutine.resume(co, k, applied, "access")
    if not ok then
      ngx.log(ngx.ERR, err)
      k.delayed_response = { unexpected = true }
    end
    k.delay_response = nil
  end
  if k.trace then
    ngx.timer.at(0, send_stats, stats_record(k, "access"))
  end
  if k.delayed_response then
    return flush_delayed(k)
  end
  if not service then
    return pdk.error_response(k, 503, "no Service found with those values")
  end

  -- access.after
  if uri:byte(-1) == 63 or var.is_args == "?" then -- "?"
    var.upstream_uri = var.upstream_uri .. "?" .. (var.args or "")
  end
  if b.host == "localhost" then
    b.ip = "127.0.0.1"
  elseif is_ip(b.host) then
    b.ip = b.host
  else
    ngx.log(ngx.ERR, "name resolution failed for ", b.host, ": the nginx stand-in connects to IP addresses and localhost only")
    return pdk.error_response(k, 503, "name resolution failed")
  end
  if (var.upstream_host or "") == "" then
    local port = b.port
    local default = (port == 80 and b.scheme == "http") or (port == 443 and b.scheme == "https")
    var.upstream_host = default and b.host or (b.host .. ":" .. port)
  end
  local connection = var.http_connection
  if connection and connection ~= "keep-alive" and connection ~= "close" and connection ~= "upgrade" then
    for name in connection:gmatch("[^,%s]+") do
      ngx.req.clear_header(name)
    end
  end
  local te = var.http_te
  if te and (te == "trailers" or te:find("trailers", 1, true)) then
    var.upstream_te = "trailers"
  end
  if var.http_proxy then
    ngx.req.clear_header("Proxy")
  end
  if var.http_proxy_connection then
    ngx.req.clear_header("Proxy-Connection")
  end
  k.proxied = true
  k.balancer_start_us = clock.now_us()
  -- A response handler makes Kong buffer the whole upstream response, even on
  -- routes with response_buffering off (plugins_iterator, Kong.access).
  if (k.buffered_proxying or (applied and has_phase("response"))) and (var.upstream_upgrade or "") == "" then
    return _M.buffered_response(k, applied)
  end
end

local METHOD = {
  GET = ngx.HTTP_GET,
  HEAD = ngx.HTTP_HEAD,
  PUT = ngx.HTTP_PUT,
  POST = ngx.HTTP_POST,
  DELETE = ngx.HTTP_DELETE,
  OPTIONS = ngx.HTTP_OPTIONS,
  PATCH = ngx.HTTP_PATCH,
  TRACE = ngx.HTTP_TRACE,
}

--- Kong.response: proxy through a subrequest, run the response phase on the
--- buffered response, then send it.
function _M.buffered_response(k, applied)
  ngx.req.read_body()
  local method = METHOD[ngx.req.get_method()]
  local res = ngx.location.capture("/kong_buffered_http", { always_forward_body = true, share_all_vars = true, method = method, ctx = ngx.ctx })
  if res.truncated and method ~= ngx.HTTP_HEAD then
    ngx.status = res.status or 502
    return _M.handle_error()
  end
  local headers = {}
  for name, value in pairs(res.header) do
    headers[name:lower()] = value
  end
  k.service_response = { status = res.status, headers = headers, body = res.body }
  ngx.status = res.status
  for name, value in pairs(res.header) do
    local l = name:lower()
    if l ~= "transfer-encoding" and l ~= "connection" and l ~= "keep-alive" then
      ngx.header[name] = value
    end
  end
  if applied and has_phase("response") then
    run_phase(k, applied, "response")
  end
  ngx.print(res.body)
  return ngx.exit(res.status)
end

--- balancer_by_lua
function _M.balancer()
  local k = ngx.ctx.kn
  local b = k.balancer
  if not b.tried then
    b.tried = true
    if b.retries and b.retries > 0 then
      balancer.set_more_tries(b.retries)
    end
    balancer.set_timeouts(b.connect_timeout / 1000, b.write_timeout / 1000, b.read_timeout / 1000)
  end
  local ok, err = balancer.set_current_peer(b.ip, b.port)
  if not ok then
    ngx.log(ngx.ERR, "failed to set the current peer (address: ", b.ip, " port: ", b.port, "): ", err)
    return ngx.exit(500)
  end
end

--- header_filter_by_lua: Kong's headers on proxied and on Kong-made responses.
function _M.header_filter()
  local k = ngx.ctx.kn
  local header = ngx.header
  if k and k.proxied and not k.exited then
    local now = clock.now_us()
    header["X-Kong-Upstream-Latency"] = math.floor((now - (k.balancer_start_us or now)) / 1000 + 0.5)
    header["X-Kong-Proxy-Latency"] = math.floor(((k.balancer_start_us or now) - k.started_us) / 1000 + 0.5)
    local via = var.upstream_http_via
    header["Via"] = via and (via .. ", 1.1 " .. SERVER_HEADER) or ("1.1 " .. SERVER_HEADER)
    if not header["Server"] then
      header["Server"] = SERVER_HEADER
    end
  else
    local started = k and k.started_us
    if started then
      header["X-Kong-Response-Latency"] = math.floor((clock.now_us() - started) / 1000 + 0.5)
    else
      header["X-Kong-Response-Latency"] = math.floor((ngx.now() - ngx.req.start_time()) * 1000 + 0.5)
    end
    header["Server"] = SERVER_HEADER
  end
  header["X-Kong-Request-Id"] = var.kong_request_id
end

local function log_timer(premature, k, applied)
  if premature then
    return
  end
  if applied then
    ngx.ctx.kn = k
    local ok, err = pcall(run_phase, k, applied, "log")
    if not ok then
      ngx.log(ngx.ERR, "log phase: ", err)
    end
  end
  if k.trace then
    local r = stats_record(k, "done")
    r.status = k.saved.response_status
    r.totalMs = k.total_ms
    r.upstreamMs = k.upstream_ms
    r.pluginServerMs = k.plugin_ms_before_log
    send_stats(false, r)
  end
end

--- log_by_lua: the plugin's log phase runs in a timer with the saved data (plugin.lua build_phases).
function _M.log()
  local k = ngx.ctx.kn
  if not k then
    return
  end
  local applied
  if has_phase("log") then
    applied = (k.route and k.service) and pick_config(k.route.id, k.service.id) or global_config
  end
  if not applied and not k.trace then
    return
  end
  k.saved = {
    request_headers = ngx.req.get_headers(),
    response_headers = ngx.resp.get_headers(),
    response_status = ngx.status,
    req_start_time = ngx.req.start_time(),
  }
  if k.trace then
    k.total_ms = (clock.now_us() - k.started_us) / 1000
    local up = 0
    for t in (var.upstream_response_time or ""):gmatch("[%d.]+") do
      up = up + tonumber(t)
    end
    k.upstream_ms = up * 1000
    k.plugin_ms_before_log = k.stats.rpc_us / 1000
  end
  ngx.timer.at(0, log_timer, k, applied)
end

--- content_by_lua of /kong_error_handler (kong/error_handlers.lua).
function _M.handle_error()
  local headers = ngx.req.get_headers()
  local accept = headers["accept"] or headers["content-type"] or "text/plain"
  if type(accept) == "table" then
    accept = accept[1]
  end
  local status = ngx.status
  local message = errors.message(status)
  if status == 494 then
    status = 400
  end
  local mime = errors.response_type(accept)
  local body = errors.body(mime, message, var.kong_request_id)
  ngx.status = status
  ngx.header["Content-Type"] = mime
  ngx.header["Content-Length"] = #body
  ngx.print(body)
  return ngx.exit(status)
end

--- For tests: the instances this worker knows (plugin id -> instance id).
function _M.known_instances()
  return rpc.known_instances()
end

return _M
