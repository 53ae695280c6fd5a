-- The part of Kong's router that kong.yml files here use: path prefixes
-- (longest first) and `~` regexes, hosts, methods; strip_path and the
-- upstream path join of path_handling "v0" (kong/router/utils.lua).
local _M = {}

local function host_matches(pattern, host)
  if pattern:sub(1, 2) == "*." then
    return host:sub(-(#pattern - 1)) == pattern:sub(2)
  end
  if pattern:sub(-2) == ".*" then
    return host:sub(1, #pattern - 1) == pattern:sub(1, -2)
  end
  return pattern:lower() == host
end

--- path_handling v0
local function join(base, req, postfix, strip)
  if base:sub(-1) == "/" then
    if not strip then
      return base .. req:sub(2)
    end
    if postfix == "" then
      if base == "/" then
        return "/"
      end
      return req:sub(-1) == "/" and base or base:sub(1, -2)
    end
    return postfix:sub(1, 1) == "/" and base:sub(1, -2) .. postfix or base .. postfix
  end
  if not strip then
    return req == "/" and base or base .. req
  end
  if postfix == "" then
    return (#req > 1 and req:sub(-1) == "/") and base .. "/" or base
  end
  return postfix:sub(1, 1) == "/" and base .. postfix or base .. "/" .. postfix
end
_M.join = join

function _M.new(routes, services)
  local by_id = {}
  for _, s in ipairs(services) do
    by_id[s.id] = s
  end
  local candidates = {}
  for _, route in ipairs(routes) do
    local service = route.service and by_id[route.service.id]
    local criteria = (route.hosts and 1 or 0) + (route.methods and 1 or 0)
    local methods
    if route.methods then
      methods = {}
      for _, m in ipairs(route.methods) do
        methods[m] = true
      end
    end
    for _, p in ipairs(route.paths or { "/" }) do
      local c = { route = route, service = service, methods = methods }
      if p:sub(1, 1) == "~" then
        c.regex = "^(?:" .. p:sub(2) .. ")"
        c.weight = { criteria, 0, route.regex_priority or 0 }
      else
        c.prefix = p
        c.weight = { criteria, #p, 0 }
      end
      candidates[#candidates + 1] = c
    end
  end
  table.sort(candidates, function(a, b)
    for i = 1, 3 do
      if a.weight[i] ~= b.weight[i] then
        return a.weight[i] > b.weight[i]
      end
    end
    return false
  end)
  local routes_by_id = {}
  for _, r in ipairs(routes) do
    routes_by_id[r.id] = r
  end
  return { candidates = candidates, routes = routes_by_id, services = by_id }
end

--- The matched route, its service, the matched prefix and the upstream URI.
function _M.match(router, method, host, path)
  for _, c in ipairs(router.candidates) do
    local ok = not c.methods or c.methods[method]
    if ok and c.route.hosts then
      ok = false
      for _, h in ipairs(c.route.hosts) do
        ok = ok or host_matches(h, host)
      end
    end
    if ok then
      local prefix
      if c.prefix then
        if path:sub(1, #c.prefix) == c.prefix then
          prefix = c.prefix
        end
      else
        local from, to = ngx.re.find(path, c.regex, "jo")
        if from then
          prefix = path:sub(from, to)
        end
      end
      if prefix then
        local base = c.service and c.service.path or "/"
        local postfix = c.route.strip_path and path:sub(#prefix + 1) or ""
        return {
          route = c.route,
          service = c.service,
          prefix = prefix,
          upstream_uri = join(base, path, postfix, c.route.strip_path),
        }
      end
    end
  end
end

return _M
