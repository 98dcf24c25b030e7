// What the doctor's probes saw, as plain data: the contract between the probes (I/O) and the
// diagnosis (pure). Every field is something observed on the wire, never an interpretation, so the
// diagnosis can be tested from hand-written values and `--json` can be trusted by scripts.

/** How a response body looks to a client that tries to parse it (docs/quirks.md, Claude Code). */
export type BodyKind = 'empty' | 'oauth-error-json' | 'json' | 'html' | 'text' | 'event-stream';

/** An HTTP answer that did not carry what the probe hoped for, summarised. */
export interface HttpAnswer {
  status: number;
  contentType: string;
  bodyKind: BodyKind;
  /** The start of the body, whitespace collapsed (enough to quote in a diagnosis). */
  snippet: string;
}

/** A network-level failure: nothing (usable) answered. */
export interface NetworkFailure {
  code: 'refused' | 'timeout' | 'dns' | 'reset' | 'tls' | 'other';
  message: string;
}

export interface Redirect {
  from: string;
  to: string;
  status: number;
  /** Redirects to another origin are reported and never followed. */
  followed: boolean;
}

export interface JsonRpcErrorSeen {
  code: number;
  message: string;
}

/** The `initialized` strictness check: a request sent after initialize, before notifications/initialized. */
export type InitializedCheck =
  /** The early request was answered normally. */
  | { outcome: 'tolerant' }
  /** -32602 before notifications/initialized, a normal answer after it (python-sdk < 1.18, docs/quirks.md). */
  | { outcome: 'strict'; error: JsonRpcErrorSeen }
  /** Some other error, or -32602 even after notifications/initialized. */
  | { outcome: 'error'; error: JsonRpcErrorSeen }
  | { outcome: 'no-answer'; detail: string };

export interface ServerIdentity {
  protocolVersion: string;
  name?: string;
  version?: string;
}

export interface StreamableProbe {
  /** The initialize answer had `result.protocolVersion`. */
  ok: boolean;
  failure?: NetworkFailure;
  /** The answer when it was not an InitializeResult (status, type, body). */
  answer?: HttpAnswer;
  /** A JSON-RPC error answering initialize (e.g. -32022 from a 2026-only server). */
  rpcError?: JsonRpcErrorSeen;
  /** The POST was answered with an SSE stream whose first event is `endpoint`: a legacy server. */
  endpointEventOnPost?: boolean;
  answerFormat?: 'json' | 'sse';
  server?: ServerIdentity;
  sessionId?: boolean;
  initialized?: InitializedCheck;
  /** Status of the closing DELETE (405 is a legitimate "no explicit end"). */
  deleteStatus?: number;
  redirects: Redirect[];
}

export type EndpointForm = 'relative' | 'absolute-same-origin' | 'absolute-other-origin' | 'invalid';

export interface EndpointEvent {
  /** The `data` of the event, verbatim. */
  data: string;
  form: EndpointForm;
  /** Resolved against the SSE URL (what a client would use), when it is a URL at all. */
  resolved?: string;
  /** Where the probe POSTed: the resolved URL, or its path on the SSE URL's origin (what mcp-frontdoor does). */
  postedTo?: string;
}

export interface LegacyProbe {
  /** An `endpoint` event arrived and initialize was answered. */
  ok: boolean;
  failure?: NetworkFailure;
  /** The GET answer when it was not an event stream. */
  answer?: HttpAnswer;
  /** The stream opened but no `endpoint` event came within the timeout (or it ended first). */
  noEndpointEvent?: string;
  endpoint?: EndpointEvent;
  server?: ServerIdentity;
  /** Where the InitializeResult came from: the SSE stream (spec) or the POST body (avelino/mcp#32). */
  answeredIn?: 'stream' | 'post-body';
  /** Why initialize over the endpoint failed (POST status, timeout, JSON-RPC error). */
  initializeProblem?: string;
  initialized?: InitializedCheck;
  redirects: Redirect[];
}

export interface PathProbe {
  url: string;
  path: string;
  /** The URL the user gave (others are the nearby paths on the same origin). */
  given: boolean;
  streamable: StreamableProbe;
  /** Probed only when Streamable HTTP did not answer at this URL. */
  legacy?: LegacyProbe;
}

export interface OAuthProbe {
  method: 'GET' | 'POST';
  url: string;
  role: 'protected-resource-metadata' | 'authorization-server-metadata' | 'registration';
  answer?: HttpAnswer;
  failure?: NetworkFailure;
}

export interface GuardProbe {
  /** The header the probe sent, e.g. `Origin: http://evil.example`. */
  sent: string;
  status?: number;
  failure?: NetworkFailure;
}

export interface GuardProbes {
  url: string;
  transport: 'streamable-http' | 'legacy-sse';
  origin: GuardProbe;
  host: GuardProbe;
}

export interface DoctorProbes {
  url: string;
  timeoutMs: number;
  paths: PathProbe[];
  oauth: OAuthProbe[];
  guards?: GuardProbes;
}
