-- Kong's own error bodies: kong/error_handlers.lua messages and the
-- templates and Accept negotiation of kong/tools/http.lua.
local _M = {}

_M.MESSAGES = {
  [400] = "Bad request",
  [404] = "Not found",
  [405] = "Method not allowed",
  [408] = "Request timeout",
  [411] = "Length required",
  [412] = "Precondition failed",
  [413] = "Payload too large",
  [414] = "URI too long",
  [417] = "Expectation failed",
  [494] = "Request header or cookie too large",
  [500] = "An unexpected error occurred",
  [502] = "An invalid response was received from the upstream server",
  [503] = "The upstream server is currently unavailable",
  [504] = "The upstream server is timing out",
}

function _M.message(status)
  return _M.MESSAGES[status] or string.format("The upstream server responded with %d", status)
end

local JSON, HTML, XML, PLAIN = "application/json; charset=utf-8", "text/html; charset=utf-8", "application/xml; charset=utf-8", "text/plain; charset=utf-8"

local KNOWN = {
  ["application/json"] = JSON,
  ["text/html"] = HTML,
  ["application/xml"] = XML,
  ["text/plain"] = PLAIN,
  ["*/*"] = JSON,
  ["application/*"] = JSON,
  ["text/*"] = PLAIN,
}

--- tools_http.get_response_type: the known type with the highest q.
function _M.response_type(accept)
  local best_type, best_q = JSON, 0
  if type(accept) == "table" then
    accept = accept[1]
  end
  if not accept then
    return JSON
  end
  for part in accept:gmatch("[^,]+") do
    local media = part:match("^%s*([^;%s]+)")
    local q = tonumber(part:match(";%s*q=([%d.]+)") or "1") or 1
    if media and q > best_q then
      best_q = q
      best_type = KNOWN[media:lower()] or JSON
    end
  end
  return best_type
end

local TEMPLATES = {
  [JSON] = '{\n  "message":"%s",\n  "request_id":"%s"\n}',
  [HTML] = '<!doctype html>\n<html>\n  <head>\n    <meta charset="utf-8">\n    <title>Error</title>\n  </head>\n  <body>\n    <h1>Error</h1>\n    <p>%s.</p>\n    <p>request_id: %s</p>\n  </body>\n</html>\n',
  [XML] = '<?xml version="1.0" encoding="UTF-8"?>\n<error>\n  <message>%s</message>\n  <requestid>%s</requestid>\n</error>\n',
  [PLAIN] = "%s\nrequest_id: %s\n",
}

function _M.body(mime, message, request_id)
  return string.format(TEMPLATES[mime] or TEMPLATES[JSON], message, request_id or "")
end

return _M
