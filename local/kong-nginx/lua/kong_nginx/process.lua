-- The plugin server's process, as kong/runloop/plugin_servers/process.lua runs
-- it: the plugin info comes from the query command's JSON (read once, in
-- nginx's master, at init); worker 0 starts the server with `exec <start
-- command>` in the worker's environment (nginx keeps only the variables named
-- by `env` directives: Kong's KONG_NGINX_MAIN_ENV), logs its output as
-- `[js:<pid>] ...`, and starts it again when it ends, at most once a second,
-- unless it exited 127 (command not found). The worker that started it
-- stops it with SIGTERM when that worker exits (Kong.exit_worker), which on
-- `nginx -s reload` is after the old workers drained while the new worker 0
-- already runs a new server.
local cjson = require "cjson.safe"
local spawn = require "kong_nginx.spawn"

local ngx = ngx
local raw_log = require("ngx.errlog").raw_log

local _M = {}

local SIGTERM = 15
local POLL_S = 0.05

--- Kong's query_external_plugin_info: the whole output must decode as JSON.
function _M.query_plugin_info(server)
  local fd, err = io.popen(server.query_cmd)
  if not fd then
    return nil, string.format("error loading plugins info from [%s]: %s", server.name, err)
  end
  local dump = fd:read("*a")
  fd:close()
  local decoded, derr = cjson.decode(dump)
  if derr then
    return nil, "failed decoding plugin info: " .. derr .. "\n" .. dump
  end
  if type(decoded) ~= "table" then
    return nil, string.format("not a plugin info table: \n%s\n%s", server.query_cmd, dump)
  end
  local list = decoded.Plugins or decoded
  local info = list[1] -- Kong 3.9 registers only the first plugin a server reports
  if type(info) ~= "table" then
    return nil, string.format("not a plugin info table: \n%s\n%s", server.query_cmd, dump)
  end
  local names = {}
  for i, p in ipairs(list) do
    names[i] = p.Name
  end
  return {
    name = info.Name,
    priority = info.Priority,
    version = info.Version,
    schema = info.Schema,
    phases = info.Phases or {},
    reported = names,
    protocol = decoded.Protocol or "MsgPack:1",
  }
end

local function write_pid(path, pid)
  local f = io.open(path, "w")
  if f then
    f:write(tostring(pid or ""), "\n")
    f:close()
  end
end

local function log_lines(proc, name)
  local lines, eof = proc:read_lines()
  local prefix = string.format("[%s:%d] ", name, proc:pid())
  for _, line in ipairs(lines) do
    if line ~= "" then
      raw_log(ngx.INFO, prefix .. line)
    end
  end
  return eof
end

local function supervise(premature, server)
  if premature then
    return
  end
  local next_spawn = 0
  while not ngx.worker.exiting() do
    if ngx.now() < next_spawn then
      ngx.sleep(next_spawn - ngx.now())
    end
    ngx.log(ngx.NOTICE, "[pluginserver] starting pluginserver process for ", server.name)
    local proc, err = spawn.spawn(server.start_cmd)
    if not proc then
      ngx.log(ngx.ERR, "[pluginserver] could not start pluginserver '", server.name, "': ", err)
      return
    end
    server.proc = proc
    next_spawn = ngx.now() + 1
    write_pid(server.pid_file, proc:pid())
    ngx.log(ngx.NOTICE, "[pluginserver] started, pid ", proc:pid())

    local reason, status
    while true do
      log_lines(proc, server.name)
      reason, status = proc:poll_exit()
      if reason or ngx.worker.exiting() then
        break
      end
      ngx.sleep(POLL_S)
    end
    if reason then
      log_lines(proc, server.name)
      proc:close()
    end
    if reason == "exit" and status == 127 then
      ngx.log(ngx.ERR, string.format('[pluginserver] external pluginserver %q start command %q exited with "command not found"', server.name, server.start_cmd))
      break
    end
    if not reason then
      break -- the worker is exiting: exit_worker stops the server
    end
    ngx.log(ngx.NOTICE, "external pluginserver '", server.name, "' terminated: ", tostring(reason), " ", tostring(status))
  end
  ngx.log(ngx.NOTICE, "[pluginserver] exiting: pluginserver '", server.name, "' not respawned.")
end

-- nginx outliving whatever started it (a test runner killed mid-run) would
-- keep its port and plugin server forever: worker 0 stops nginx once the
-- launcher's process is gone.
local function watch_launcher(premature, launcher_pid)
  local ffi = require "ffi"
  while not premature and not ngx.worker.exiting() do
    if ffi.C.kill(launcher_pid, 0) ~= 0 and ffi.errno() == 3 then -- ESRCH
      ngx.log(ngx.NOTICE, "[kong-nginx] launcher ", launcher_pid, " is gone: stopping nginx")
      ffi.C.kill(require("ngx.process").get_master_pid(), SIGTERM)
      return
    end
    ngx.sleep(1)
  end
end

function _M.start(server, launcher_pid)
  if ngx.worker.id() ~= 0 then
    return true
  end
  if launcher_pid then
    ngx.timer.at(0, watch_launcher, launcher_pid)
  end
  if not server.start_cmd then
    return true
  end
  return ngx.timer.at(0, supervise, server)
end

function _M.stop(server)
  if ngx.worker.id() ~= 0 or not server.proc then
    return true
  end
  local ok, err = server.proc:kill(SIGTERM)
  if ok then
    ngx.log(ngx.NOTICE, "[pluginserver] successfully stopped pluginserver '", server.name, "', pid ", server.proc:pid())
  elseif err ~= "exited" then
    ngx.log(ngx.ERR, "[pluginserver] failed to stop pluginserver '", server.name, "': ", err)
  end
  return true
end

return _M
