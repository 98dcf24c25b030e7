// The --help text (light: printed without loading the config schema).
export const HELP = `mcp-frontdoor: a Streamable HTTP /mcp front door for legacy HTTP+SSE MCP servers

Usage:
  mcp-frontdoor --backend URL [--port 8080] [--host 127.0.0.1] [options]
  mcp-frontdoor --config FILE [options]
  mcp-frontdoor                      run the embedded demo (config/frontdoor.yaml)
  mcp-frontdoor doctor URL [--header K:V]... [--json] [--timeout MS]
                                     probe an MCP server's URL as clients do, print a diagnosis
                                     and the config to paste; --header is sent on every probe
                                     (e.g. 'Authorization: Bearer …'; values are never printed).
                                     Exit 0: clients can use the URL as is; 1: they need the
                                     proxy, another URL or a server fix; 2: could not tell
                                     (unreachable, or the server refused the probes)
  mcp-frontdoor check --config FILE  validate a config file (exit 1 on problems)
  mcp-frontdoor print-config --config FILE [--show-secrets]
                                     print it normalized (defaults applied, units in ms/bytes)
  mcp-frontdoor schema               print the config's JSON Schema (for editors)

Options:
  --backend URL        the legacy SSE URL of the MCP server, e.g. http://127.0.0.1:9121/sse
  --config FILE        read a YAML config (see config/frontdoor.yaml); flags below override it
  --port N             port to listen on (default 8080; 0 picks a free one)
  --host H             address to bind (default 127.0.0.1; binding elsewhere needs
                       --allowed-origin/--allowed-host for browsers and DNS-rebinding safety)
  --public-url URL     the URL clients use, when the proxy sits behind another proxy
  --allowed-host H     accept this Host header too (repeatable)
  --allowed-origin O   accept this Origin too, e.g. https://app.example.com (repeatable)
  --idle-timeout D     expire sessions idle this long (default 10m; e.g. 90s, 30m)
  --max-body SIZE      largest POST body accepted (default 4mb)
  --header K:V         send this header to the backend on every request (repeatable)
  --log-level L        trace|debug|info|warn|error|silent (default info)
  --log-format F       auto|json|pretty (default auto: pretty on a terminal, JSON otherwise)
  -h, --help           show this help
  -v, --version        print the version

Clients connect to the URL printed at start-up, e.g. http://127.0.0.1:8080/mcp:
  claude mcp add --transport http my-server http://127.0.0.1:8080/mcp
`;
