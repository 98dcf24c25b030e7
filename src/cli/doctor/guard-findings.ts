// Findings about DNS-rebinding protection: does the server refuse a foreign Origin (403) or a
// foreign Host (421 from FastMCP >= 1.23, 403 from the TS SDK)? Enforcing is right (spec: servers
// MUST validate Origin); it only means that whatever sits in front must send the server's own Host
// and no Origin, which mcp-frontdoor does. Pure.
import type { Finding } from './finding.js';
import type { GuardProbe, GuardProbes } from './probe-results.js';

const refused = (p: GuardProbe) => p.status === 403 || p.status === 421;
const outcome = (p: GuardProbe) => `${p.status ?? 'no answer'} to ${p.sent}`;

export function guardFindings(g: GuardProbes | undefined): Finding[] {
  if (!g) return [];
  if (g.origin.status === undefined && g.host.status === undefined) {
    return [{ id: 'host_origin_unknown', severity: 'info', title: 'could not check Host/Origin enforcement: no answer' }];
  }
  const parts = [outcome(g.origin), outcome(g.host)].join(', ');
  if (refused(g.origin) || refused(g.host)) {
    return [
      {
        id: 'enforces_host_origin',
        severity: 'info',
        title: `the server enforces Host/Origin (${parts})`,
        detail:
          "DNS-rebinding protection: reach it by the name it expects (127.0.0.1 / localhost); a proxy in front must send the server's own Host and no Origin (mcp-frontdoor does).",
      },
    ];
  }
  return [
    {
      id: 'no_origin_check',
      severity: 'warn',
      title: `the server does not check Origin (${parts})`,
      detail: 'servers MUST validate Origin (spec, DNS rebinding): a web page in a browser on this machine could drive it.',
    },
  ];
}
