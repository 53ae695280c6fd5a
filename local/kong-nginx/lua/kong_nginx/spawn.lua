-- Starting and watching a child process from an nginx worker without
-- OpenResty's ngx.pipe, which Debian's lua-nginx-module cannot offer (it lacks
-- the socket CLOEXEC patch). posix_spawn through LuaJIT's FFI gives what Kong's
-- process.lua gets from ngx.pipe.spawn: `/bin/sh -c "exec <cmd>"` in the
-- worker's (cleared) environment, stdout and stderr merged into one pipe that
-- we read, and the exit status once the process ends.
local ffi = require "ffi"
local C = ffi.C

ffi.cdef [[
  typedef int pid_t;
  typedef struct { uint64_t opaque[32]; } kn_spawn_file_actions_t;
  typedef struct { uint64_t opaque[64]; } kn_spawnattr_t;
  typedef struct { uint64_t bits[16]; } kn_sigset_t;
  int posix_spawn_file_actions_init(kn_spawn_file_actions_t *);
  int posix_spawn_file_actions_destroy(kn_spawn_file_actions_t *);
  int posix_spawn_file_actions_adddup2(kn_spawn_file_actions_t *, int, int);
  int posix_spawn_file_actions_addopen(kn_spawn_file_actions_t *, int, const char *, int, unsigned int);
  int posix_spawn_file_actions_addclosefrom_np(kn_spawn_file_actions_t *, int);
  int posix_spawnattr_init(kn_spawnattr_t *);
  int posix_spawnattr_destroy(kn_spawnattr_t *);
  int posix_spawnattr_setflags(kn_spawnattr_t *, short);
  int posix_spawnattr_setsigdefault(kn_spawnattr_t *, const kn_sigset_t *);
  int posix_spawnattr_setsigmask(kn_spawnattr_t *, const kn_sigset_t *);
  int sigemptyset(kn_sigset_t *);
  int sigfillset(kn_sigset_t *);
  int posix_spawn(pid_t *, const char *, const kn_spawn_file_actions_t *, const kn_spawnattr_t *, char *const argv[], char *const envp[]);
  int pipe2(int fds[2], int flags);
  int fcntl(int fd, int cmd, ...);
  long read(int fd, void *buf, size_t count);
  int close(int fd);
  pid_t waitpid(pid_t pid, int *status, int options);
  int kill(pid_t pid, int sig);
  typedef void (*kn_sighandler_t)(int);
  kn_sighandler_t signal(int signum, kn_sighandler_t handler);
  extern char **environ;
  char *strerror(int errnum);
]]

local O_CLOEXEC, O_NONBLOCK, O_RDONLY = 0x80000, 0x800, 0
local F_GETFL, F_SETFL = 3, 4
local POSIX_SPAWN_SETSIGMASK, POSIX_SPAWN_SETSIGDEF = 0x08, 0x04
local WNOHANG, SIGCHLD, EAGAIN, EINTR = 1, 17, 11, 4

local _M = {}

-- nginx's own SIGCHLD handler reaps any child of a worker (and only logs its
-- status); with the default disposition the child waits for our waitpid.
local sigchld_reset = false
local function own_children()
  if not sigchld_reset then
    C.signal(SIGCHLD, ffi.cast("kn_sighandler_t", 0))
    sigchld_reset = true
  end
end

local Proc = {}
Proc.__index = Proc

--- Spawns `/bin/sh -c "exec <command>"`; returns a process handle or nil, err.
function _M.spawn(command)
  own_children()
  local fds = ffi.new("int[2]")
  if C.pipe2(fds, O_CLOEXEC) ~= 0 then
    return nil, "pipe2: " .. ffi.string(C.strerror(ffi.errno()))
  end
  C.fcntl(fds[0], F_SETFL, ffi.new("int", bit.bor(C.fcntl(fds[0], F_GETFL), O_NONBLOCK)))

  local actions = ffi.new("kn_spawn_file_actions_t")
  local attr = ffi.new("kn_spawnattr_t")
  C.posix_spawn_file_actions_init(actions)
  C.posix_spawn_file_actions_addopen(actions, 0, "/dev/null", O_RDONLY, 0)
  C.posix_spawn_file_actions_adddup2(actions, fds[1], 1)
  C.posix_spawn_file_actions_adddup2(actions, fds[1], 2)
  -- nginx's listening sockets are not close-on-exec: keep them from the child.
  C.posix_spawn_file_actions_addclosefrom_np(actions, 3)
  C.posix_spawnattr_init(attr)
  local all, none = ffi.new("kn_sigset_t"), ffi.new("kn_sigset_t")
  C.sigfillset(all)
  C.sigemptyset(none)
  C.posix_spawnattr_setsigdefault(attr, all)
  C.posix_spawnattr_setsigmask(attr, none)
  C.posix_spawnattr_setflags(attr, bit.bor(POSIX_SPAWN_SETSIGMASK, POSIX_SPAWN_SETSIGDEF))

  local argv_strings = { "/bin/sh", "-c", "exec " .. command }
  local argv = ffi.new("char *[4]")
  local keep = {}
  for i, s in ipairs(argv_strings) do
    keep[i] = ffi.new("char[?]", #s + 1, s)
    argv[i - 1] = keep[i]
  end
  argv[3] = nil

  local pid = ffi.new("pid_t[1]")
  local rc = C.posix_spawn(pid, "/bin/sh", actions, attr, argv, C.environ)
  C.posix_spawn_file_actions_destroy(actions)
  C.posix_spawnattr_destroy(attr)
  C.close(fds[1])
  if rc ~= 0 then
    C.close(fds[0])
    return nil, "posix_spawn: " .. ffi.string(C.strerror(rc))
  end
  return setmetatable({ _pid = pid[0], _fd = fds[0], _partial = "" }, Proc)
end

function Proc:pid()
  return self._pid
end

local buf = ffi.new("char[4096]")

--- Complete output lines available now (never blocks); `eof` once the pipe closed.
function Proc:read_lines()
  local lines, eof = {}, false
  if not self._fd then
    return lines, true
  end
  while true do
    local n = tonumber(C.read(self._fd, buf, 4096))
    if n > 0 then
      self._partial = self._partial .. ffi.string(buf, n)
    elseif n == 0 then
      eof = true
      break
    else
      local e = ffi.errno()
      if e ~= EINTR then
        break -- EAGAIN: nothing more for now
      end
    end
  end
  for line in self._partial:gmatch("([^\n]*)\n") do
    lines[#lines + 1] = line
  end
  self._partial = self._partial:match("[^\n]*$")
  if eof then
    if self._partial ~= "" then
      lines[#lines + 1] = self._partial
      self._partial = ""
    end
    C.close(self._fd)
    self._fd = nil
  end
  return lines, eof
end

--- nil while running; then reason ("exit"|"signal") and the code or signal number.
function Proc:poll_exit()
  if self._reason then
    return self._reason, self._status
  end
  local status = ffi.new("int[1]")
  local r = C.waitpid(self._pid, status, WNOHANG)
  if r == 0 then
    return nil
  end
  if r < 0 then
    self._reason, self._status = "exited", nil -- reaped elsewhere
  else
    local s = status[0]
    local sig = bit.band(s, 0x7f)
    if sig == 0 then
      self._reason, self._status = "exit", bit.rshift(bit.band(s, 0xff00), 8)
    else
      self._reason, self._status = "signal", sig
    end
  end
  return self._reason, self._status
end

function Proc:kill(sig)
  if self._reason then
    return nil, "exited"
  end
  if C.kill(self._pid, sig) ~= 0 then
    return nil, ffi.string(C.strerror(ffi.errno()))
  end
  return true
end

function Proc:close()
  if self._fd then
    C.close(self._fd)
    self._fd = nil
  end
end

return _M
