// Whether this machine has what the nginx stand-in needs: Debian's nginx with
// OpenResty's Lua module and the Lua libraries Kong's plugin-server bridge
// uses. apt-get install nginx libnginx-mod-http-lua lua-resty-core
// lua-resty-lrucache lua-cjson lua-messagepack
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';

export const APT_PACKAGES = ['nginx', 'libnginx-mod-http-lua', 'lua-resty-core', 'lua-resty-lrucache', 'lua-cjson', 'lua-messagepack'];

const MODULES_DIRS = ['/usr/lib/nginx/modules', '/usr/share/nginx/modules'];
const LUA_FILES = ['/usr/share/lua/5.1/resty/core.lua', '/usr/share/lua/5.1/resty/lrucache.lua', '/usr/share/lua/5.1/MessagePack.lua'];

export interface NginxInstall {
  binary: string;
  modulesDir: string;
}

/** The nginx install, or the reason there is none usable. */
export function findNginx(): NginxInstall | { missing: string } {
  let binary: string;
  try {
    binary = execFileSync('sh', ['-c', 'command -v nginx || ls /usr/sbin/nginx'], { encoding: 'utf8' }).trim().split('\n')[0] ?? '';
  } catch {
    return { missing: 'nginx is not installed' };
  }
  if (!binary) return { missing: 'nginx is not installed' };
  const modulesDir = MODULES_DIRS.find((d) => fs.existsSync(`${d}/ngx_http_lua_module.so`) && fs.existsSync(`${d}/ndk_http_module.so`));
  if (!modulesDir) return { missing: 'the nginx Lua module (libnginx-mod-http-lua) is not installed' };
  const lua = LUA_FILES.find((f) => !fs.existsSync(f));
  if (lua) return { missing: `${lua} is missing (lua-resty-core, lua-resty-lrucache, lua-messagepack)` };
  const cjson = ['/usr/lib/x86_64-linux-gnu/lua/5.1/cjson.so', '/usr/lib/aarch64-linux-gnu/lua/5.1/cjson.so'].some((f) => fs.existsSync(f));
  if (!cjson) return { missing: 'lua-cjson is not installed' };
  return { binary, modulesDir };
}

export function nginxAvailable(): boolean {
  return !('missing' in findNginx());
}
