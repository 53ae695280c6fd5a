-- The PDK functions a JS plugin reaches through the plugin server, each
-- answered from nginx's real request state the way Kong 3.9's kong/pdk/*.lua
-- does (the subset plugins here use, plus the common getters). `k` is the
-- request's state (ngx.ctx.kn); in the log phase, which runs in a timer, only
-- what Kong saves for it answers (plugin.lua exposed_api) and anything that
-- needs the request raises like ngx.var does there.
local cjson = require "cjson.safe"
local errors = require "kong_nginx.errors"

local ngx = ngx
local var = ngx.var
local lower, gsub, find, sub = string.lower, string.gsub, string.find, string.sub

local _M = {}
local env -- set by _M.init: node id, plugin name, consumers, server header

local HTTP_METHODS = {
  GET = ngx.HTTP_GET,
  HEAD = ngx.HTTP_HEAD,
  PUT = ngx.HTTP_PUT,
  POST = ngx.HTTP_POST,
  DELETE = ngx.HTTP_DELETE,
  OPTIONS = ngx.HTTP_OPTIONS,
  MKCOL = ngx.HTTP_MKCOL,
  COPY = ngx.HTTP_COPY,
  MOVE = ngx.HTTP_MOVE,
  PROPFIND = ngx.HTTP_PROPFIND,
  PROPPATCH = ngx.HTTP_PROPPATCH,
  LOCK = ngx.HTTP_LOCK,
  UNLOCK = ngx.HTTP_UNLOCK,
  PATCH = ngx.HTTP_PATCH,
  TRACE = ngx.HTTP_TRACE,
}

local REWRITE_ACCESS = { rewrite = true, access = true }
local ACCESS = { access = true }
local BEFORE_CONTENT = { rewrite = true, access = true, response = true }

local function check_phase(k, allowed, name)
  if not allowed[k.phase] then
    error("function cannot be called in " .. tostring(k.phase) .. " phase (" .. name .. ")", 0)
  end
end

local function header_value(v, name)
  local t = type(v)
  if t == "string" then
    return v
  elseif t == "number" or t == "boolean" then
    return tostring(v)
  end
  error(string.format('invalid header value for "%s": got %s, expected string, number or boolean', name, t == "nil" and "nil" or t), 0)
end

local function request_path()
  local uri = var.request_uri or ""
  local q = find(uri, "?", 2, true)
  return q and sub(uri, 1, q - 1) or uri
end

local function first(v)
  if type(v) == "table" then
    return v[1]
  end
  return v
end

local function log_line(level)
  return function(k, ...)
    local parts = {}
    for i = 1, select("#", ...) do
      local a = select(i, ...)
      parts[i] = type(a) == "table" and ("table: " .. (cjson.encode(a) or "?")) or tostring(a)
    end
    ngx.log(level, "[kong] [", env.plugin_name, "] ", table.concat(parts))
  end
end

local function set_response_header(k, name, value, add)
  check_phase(k, BEFORE_CONTENT, "kong.response.set_header")
  if type(name) ~= "string" then
    error("header name must be a string", 0)
  end
  if type(value) == "table" then
    local list = {}
    for i, v in ipairs(value) do
      list[i] = header_value(v, name)
    end
    value = list
  else
    value = header_value(value, name)
  end
  if add then
    local prev = ngx.header[name]
    if prev then
      local list = type(prev) == "table" and prev or { prev }
      for _, v in ipairs(type(value) == "table" and value or { value }) do
        list[#list + 1] = v
      end
      value = list
    end
  end
  ngx.header[name] = value
end

--- kong.response.exit / error: delayed in access (the handler's coroutine yields), sent at once elsewhere.
local function respond(k, status, body, headers)
  k.exited = true
  if k.delay_response and not k.delayed_response then
    k.delayed_response = { status = status, body = body, headers = headers }
    coroutine.yield()
    return
  end
  return _M.send(k, status, body, headers)
end

--- pdk/response.lua send()
function _M.send(k, status, body, headers)
  if ngx.headers_sent then
    error("headers have already been sent", 0)
  end
  ngx.status = status
  local has_ct, has_cl = false, false
  for name, value in pairs(headers or {}) do
    local l = lower(name)
    if l ~= "transfer-encoding" and l ~= "transfer_encoding" then
      ngx.header[name] = value
    end
    has_ct = has_ct or l == "content-type" or l == "content_type"
    has_cl = has_cl or l == "content-length" or l == "content_length"
  end
  if type(body) == "table" then
    local json, err = cjson.encode(body)
    if not json then
      error("body encoding failed while flushing response: " .. err, 0)
    end
    body = json
    if not has_ct then
      ngx.header["Content-Type"] = "application/json; charset=utf-8"
    end
  end
  if not has_cl then
    ngx.header["Content-Length"] = body and #body or 0
  end
  if body then
    ngx.print(body)
  end
  return ngx.exit(status)
end

local function error_response(k, status, message, headers)
  if type(status) ~= "number" or status < 400 or status > 599 then
    error("code must be a number between 400 and 599", 0)
  end
  headers = headers or {}
  local ct = headers["Content-Type"] or errors.response_type(ngx.req.get_headers()["accept"])
  headers["Content-Type"] = ct
  return respond(k, status, errors.body(ct, message or errors.message(status), var.kong_request_id), headers)
end
_M.error_response = error_response

local function raw_body(max)
  ngx.req.read_body()
  local body = ngx.req.get_body_data()
  if body then
    return body
  end
  local file = ngx.req.get_body_file()
  if not file then
    return ""
  end
  -- Spilled to a temp file (over client_body_buffer_size): read only when the
  -- caller names a maximum that it fits.
  if not max or max < 0 then
    return nil
  end
  local f = io.open(file, "rb")
  if not f then
    return nil
  end
  local size = f:seek("end") or 0
  if max > 0 and size > max then
    f:close()
    return nil
  end
  f:seek("set")
  local data = f:read("*a")
  f:close()
  return data
end

local function saved(k)
  return k.saved
end

local M = {}

-- kong.request
M["kong.request.get_method"] = function()
  return ngx.req.get_method()
end
M["kong.request.get_scheme"] = function()
  return var.scheme
end
M["kong.request.get_host"] = function()
  return var.host
end
M["kong.request.get_port"] = function()
  return tonumber(var.server_port)
end
M["kong.request.get_forwarded_scheme"] = M["kong.request.get_scheme"]
M["kong.request.get_forwarded_host"] = M["kong.request.get_host"]
M["kong.request.get_forwarded_port"] = M["kong.request.get_port"]
M["kong.request.get_forwarded_path"] = request_path
M["kong.request.get_forwarded_prefix"] = function(k)
  return k.prefix ~= "/" and k.prefix or nil
end
M["kong.request.get_http_version"] = function()
  return ngx.req.http_version()
end
M["kong.request.get_path"] = request_path
M["kong.request.get_path_with_query"] = function()
  return var.request_uri
end
M["kong.request.get_raw_query"] = function()
  return var.args or ""
end
M["kong.request.get_query_arg"] = function(_, name)
  return first(ngx.req.get_uri_args()[name])
end
M["kong.request.get_query"] = function(_, max)
  return (ngx.req.get_uri_args(max or 100))
end
M["kong.request.get_header"] = function(k, name)
  if type(name) ~= "string" then
    error("header name must be a string", 0)
  end
  local s = saved(k)
  if s then
    return first(s.request_headers[name])
  end
  return first(ngx.req.get_headers()[name])
end
M["kong.request.get_headers"] = function(k, max)
  local s = saved(k)
  if s then
    return s.request_headers
  end
  if max ~= nil and (type(max) ~= "number" or max < 1 or max > 1000) then
    error("max_headers must be a number between 1 and 1000", 0)
  end
  return (ngx.req.get_headers(max or 100))
end
M["kong.request.get_raw_body"] = function(k, max)
  check_phase(k, BEFORE_CONTENT, "kong.request.get_raw_body")
  return raw_body(max)
end
M["kong.request.get_body"] = function(k, mimetype, _, max)
  check_phase(k, BEFORE_CONTENT, "kong.request.get_body")
  local ct = lower(mimetype or var.content_type or "")
  local body = raw_body(max)
  if not body then
    return nil
  end
  if find(ct, "application/x-www-form-urlencoded", 1, true) == 1 then
    return ngx.decode_args(body)
  elseif find(ct, "application/json", 1, true) == 1 then
    local v = cjson.decode(body)
    return type(v) == "table" and v or nil
  end
end
M["kong.request.get_start_time"] = function(k)
  local s = saved(k)
  return (s and s.req_start_time or ngx.req.start_time()) * 1000
end
M["kong.request.get_uri_captures"] = function()
  return { unnamed = {}, named = {} }
end

-- kong.client
M["kong.client.get_ip"] = function()
  return var.remote_addr
end
M["kong.client.get_forwarded_ip"] = M["kong.client.get_ip"] -- no trusted_ips
M["kong.client.get_port"] = function()
  return tonumber(var.remote_port)
end
M["kong.client.get_forwarded_port"] = M["kong.client.get_port"]
M["kong.client.get_protocol"] = function()
  return "http"
end
M["kong.client.get_consumer"] = function(k)
  return k.consumer
end
M["kong.client.get_credential"] = function(k)
  return k.credential
end
M["kong.client.load_consumer"] = function(_, id, by_username)
  for _, c in ipairs(env.consumers) do
    if c.id == id or (by_username and c.username == id) then
      return c
    end
  end
end
M["kong.client.authenticate"] = function(k, consumer, credential)
  check_phase(k, REWRITE_ACCESS, "kong.client.authenticate")
  if not consumer and not credential then
    error("either credential or consumer must be provided", 0)
  end
  k.consumer, k.credential = consumer, credential
end

-- kong.service
M["kong.service.set_target"] = function(k, host, port)
  check_phase(k, ACCESS, "kong.service.set_target")
  if type(host) ~= "string" then
    error("host must be a string", 0)
  end
  if type(port) ~= "number" or port % 1 ~= 0 then
    error("port must be an integer", 0)
  end
  if port < 0 or port > 65535 then
    error("port must be an integer between 0 and 65535: given " .. port, 0)
  end
  -- Kong sets upstream_host too: the upstream then gets `Host: <host>`, no port.
  var.upstream_host = host
  k.balancer.host, k.balancer.port = host, port
end
M["kong.service.set_timeouts"] = function(k, connect, write, read)
  check_phase(k, ACCESS, "kong.service.set_timeouts")
  for _, v in ipairs({ connect, write, read }) do
    if type(v) ~= "number" or v % 1 ~= 0 or v < 1 or v > 2147483646 then
      error("timeouts must be integers between 1 and 2147483646", 0)
    end
  end
  k.balancer.connect_timeout, k.balancer.write_timeout, k.balancer.read_timeout = connect, write, read
end
M["kong.service.set_retries"] = function(k, retries)
  check_phase(k, ACCESS, "kong.service.set_retries")
  if type(retries) ~= "number" or retries % 1 ~= 0 or retries < 0 or retries > 32767 then
    error("retries must be an integer between 0 and 32767", 0)
  end
  k.balancer.retries = retries
end
M["kong.service.set_upstream"] = function(k, name)
  check_phase(k, ACCESS, "kong.service.set_upstream")
  ngx.log(ngx.WARN, "kong.service.set_upstream(", tostring(name), "): could not find an Upstream named '", tostring(name), "'")
end
M["kong.service.request.enable_buffering"] = function(k)
  check_phase(k, REWRITE_ACCESS, "kong.service.request.enable_buffering")
  k.buffered_proxying = true
end
M["kong.service.request.set_scheme"] = function(k, scheme)
  check_phase(k, REWRITE_ACCESS, "kong.service.request.set_scheme")
  if scheme ~= "http" and scheme ~= "https" then
    error("invalid scheme: " .. tostring(scheme), 0)
  end
  var.upstream_scheme = scheme
  k.balancer.scheme = scheme
end
M["kong.service.request.set_path"] = function(k, path)
  check_phase(k, REWRITE_ACCESS, "kong.service.request.set_path")
  if type(path) ~= "string" or sub(path, 1, 1) ~= "/" then
    error("path must be a string starting with /", 0)
  end
  var.upstream_uri = ngx.escape_uri(path, 0) -- keeps "/" (Kong escapes only what must be)
end
M["kong.service.request.set_raw_query"] = function(k, query)
  check_phase(k, REWRITE_ACCESS, "kong.service.request.set_raw_query")
  if type(query) ~= "string" then
    error("query must be a string", 0)
  end
  ngx.req.set_uri_args(query)
end
M["kong.service.request.set_query"] = function(k, args)
  check_phase(k, REWRITE_ACCESS, "kong.service.request.set_query")
  if type(args) ~= "table" then
    error("args must be a table", 0)
  end
  local keys = {}
  for key in pairs(args) do
    keys[#keys + 1] = key
  end
  table.sort(keys)
  local parts = {}
  for _, key in ipairs(keys) do
    local v = args[key]
    for _, x in ipairs(type(v) == "table" and v or { v }) do
      if x == true then
        parts[#parts + 1] = ngx.escape_uri(key)
      elseif x ~= false then
        parts[#parts + 1] = ngx.escape_uri(key) .. "=" .. ngx.escape_uri(tostring(x))
      end
    end
  end
  ngx.req.set_uri_args(table.concat(parts, "&"))
end
M["kong.service.request.set_method"] = function(k, method)
  check_phase(k, REWRITE_ACCESS, "kong.service.request.set_method")
  local m = HTTP_METHODS[method]
  if not m then
    error("invalid method: " .. tostring(method), 0)
  end
  ngx.req.set_method(m)
end
M["kong.service.request.set_header"] = function(k, name, value)
  check_phase(k, REWRITE_ACCESS, "kong.service.request.set_header")
  if type(name) ~= "string" then
    error("header name must be a string", 0)
  end
  value = header_value(value, name)
  if lower(name) == "host" then
    var.upstream_host = value
  else
    ngx.req.set_header(name, value)
  end
end
M["kong.service.request.add_header"] = function(k, name, value)
  check_phase(k, REWRITE_ACCESS, "kong.service.request.add_header")
  if type(name) ~= "string" then
    error("header name must be a string", 0)
  end
  value = header_value(value, name)
  if lower(name) == "host" then
    var.upstream_host = value
    return
  end
  local prev = ngx.req.get_headers()[name]
  local list = type(prev) == "table" and prev or { prev }
  list[#list + 1] = value
  ngx.req.set_header(name, list)
end
M["kong.service.request.clear_header"] = function(k, name)
  check_phase(k, REWRITE_ACCESS, "kong.service.request.clear_header")
  ngx.req.clear_header(name)
end
M["kong.service.request.set_headers"] = function(k, headers)
  check_phase(k, REWRITE_ACCESS, "kong.service.request.set_headers")
  for name, value in pairs(headers or {}) do
    M["kong.service.request.set_header"](k, name, value)
  end
end
M["kong.service.request.set_raw_body"] = function(k, body)
  check_phase(k, REWRITE_ACCESS, "kong.service.request.set_raw_body")
  if type(body) ~= "string" then
    error("body must be a string", 0)
  end
  ngx.req.read_body()
  ngx.req.set_body_data(body)
end

-- kong.service.response (response phase, from the buffered upstream response)
M["kong.service.response.get_status"] = function(k)
  return k.service_response and k.service_response.status
end
M["kong.service.response.get_headers"] = function(k)
  return k.service_response and k.service_response.headers
end
M["kong.service.response.get_header"] = function(k, name)
  return k.service_response and first(k.service_response.headers[lower(name)])
end
M["kong.service.response.get_raw_body"] = function(k)
  return k.service_response and k.service_response.body
end

-- kong.response
M["kong.response.get_status"] = function(k)
  local s = saved(k)
  return s and s.response_status or ngx.status
end
M["kong.response.get_header"] = function(k, name)
  local s = saved(k)
  if s then
    return first(s.response_headers and s.response_headers[name])
  end
  return first(ngx.resp.get_headers()[name])
end
M["kong.response.get_headers"] = function(k, max)
  local s = saved(k)
  return s and s.response_headers or (ngx.resp.get_headers(max or 100))
end
M["kong.response.get_source"] = function(k)
  if k.exited then
    return "exit"
  elseif k.proxied then
    return "service"
  end
  return "error"
end
M["kong.response.set_header"] = function(k, name, value)
  set_response_header(k, name, value, false)
end
M["kong.response.add_header"] = function(k, name, value)
  set_response_header(k, name, value, true)
end
M["kong.response.clear_header"] = function(k, name)
  check_phase(k, BEFORE_CONTENT, "kong.response.clear_header")
  ngx.header[name] = nil
end
M["kong.response.set_headers"] = function(k, headers)
  for name, value in pairs(headers or {}) do
    set_response_header(k, name, value, false)
  end
end
M["kong.response.exit"] = function(k, status, body, headers)
  check_phase(k, REWRITE_ACCESS, "kong.response.exit")
  if type(status) ~= "number" or status < 100 or status > 599 then
    error("code must be a number between 100 and 599", 0)
  end
  if body ~= nil and type(body) ~= "string" and type(body) ~= "table" then
    error("body must be a nil, string or table", 0)
  end
  if headers ~= nil and type(headers) ~= "table" then
    error("headers must be a nil or table", 0)
  end
  return respond(k, status, body, headers)
end
M["kong.response.error"] = function(k, status, message, headers)
  check_phase(k, REWRITE_ACCESS, "kong.response.error")
  if type(message) == "table" then
    message = cjson.encode(message)
  end
  return error_response(k, status, message, headers)
end

-- kong.ctx, kong.nginx, kong.node, kong.router, kong.plugin, kong.ip, kong.log
M["kong.ctx.shared.get"] = function(k, key)
  return k.shared[key]
end
M["kong.ctx.shared.set"] = function(k, key, value)
  k.shared[key] = value
end
M["kong.nginx.get_var"] = function(_, name)
  return var[name]
end
M["kong.nginx.get_ctx"] = function(k, key)
  return k.nginx_ctx[key]
end
M["kong.nginx.set_ctx"] = function(k, key, value)
  k.nginx_ctx[key] = value
end
M["kong.nginx.get_subsystem"] = function()
  return "http"
end
M["kong.nginx.req_start_time"] = function(k)
  local s = saved(k)
  return s and s.req_start_time or ngx.req.start_time()
end
M["kong.node.get_id"] = function()
  return env.node_id
end
M["kong.node.get_hostname"] = function()
  return env.hostname
end
M["kong.router.get_route"] = function(k)
  return k.route
end
M["kong.router.get_service"] = function(k)
  return k.service
end
M["kong.plugin.get_id"] = function(k)
  return k.plugin and k.plugin.id
end
M["kong.ip.is_trusted"] = function()
  return false
end
M["kong.log.serialize"] = function(k)
  return cjson.encode({
    request = { method = k.method, uri = k.request_uri, size = 0 },
    response = { status = (k.saved and k.saved.response_status) or ngx.status },
    route = k.route,
    service = k.service,
    client_ip = k.client_ip,
    started_at = k.started_at_ms,
  })
end
M["kong.log.set_serialize_value"] = function(k, key, value)
  k.serialize[key] = value
end
for _, level in ipairs({ "debug", "info", "notice", "warn", "err", "crit", "alert", "emerg" }) do
  M["kong.log." .. level] = log_line(ngx[level == "err" and "ERR" or level:upper()])
end

-- What still answers in the log phase's timer (plugin.lua exposed_api + ctx readers).
local LOG_SAFE = {
  ["kong.request.get_headers"] = true,
  ["kong.request.get_header"] = true,
  ["kong.request.get_start_time"] = true,
  ["kong.request.get_uri_captures"] = true,
  ["kong.response.get_status"] = true,
  ["kong.response.get_headers"] = true,
  ["kong.response.get_header"] = true,
  ["kong.response.get_source"] = true,
  ["kong.ctx.shared.get"] = true,
  ["kong.ctx.shared.set"] = true,
  ["kong.nginx.get_ctx"] = true,
  ["kong.nginx.set_ctx"] = true,
  ["kong.nginx.req_start_time"] = true,
  ["kong.log.serialize"] = true,
  ["kong.client.get_consumer"] = true,
  ["kong.client.get_credential"] = true,
  ["kong.client.load_consumer"] = true,
  ["kong.router.get_route"] = true,
  ["kong.router.get_service"] = true,
  ["kong.node.get_id"] = true,
  ["kong.node.get_hostname"] = true,
  ["kong.plugin.get_id"] = true,
  ["kong.nginx.get_subsystem"] = true,
  ["kong.ip.is_trusted"] = true,
}

function _M.init(e)
  env = e
end

--- Runs one PDK method for the plugin (mp_rpc.lua call_pdk_method): only the
--- first return value goes back; Lua errors propagate.
function _M.call(k, method, args)
  local fn = M[method]
  if not fn then
    ngx.log(ngx.ERR, "could not find pdk method: ", method)
    return nil
  end
  if k.phase == "log" and not LOG_SAFE[method] and sub(method, 1, 9) ~= "kong.log." then
    error("API disabled in the context of ngx.timer (" .. method .. ")", 0)
  end
  local ret
  if type(args) == "table" then
    ret = fn(k, unpack(args))
  else
    ret = fn(k, args)
  end
  return ret
end

return _M
