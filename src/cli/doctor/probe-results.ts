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
  /** Its `WWW-Authenticate`: Claude Code reads a 403 without one as "needs authentication" (docs/quirks.md). */
  wwwAuthenticate?: string;
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
  /**
   * Refused before notifications/initialized, answered after it: -32602 from python-sdk 1.9.4–1.17
   * (docs/quirks.md), or another error or HTTP failure. `early` says what the early request got.
   */
  | { outcome: 'strict'; early: string; error?: JsonRpcErrorSeen }
  /**
   * The early request ended the session: its stream closed without an answer and the session was
   * gone afterwards (python-sdk before 1.9.4 raises "Received request before initialization was
   * complete" and its session dies). `detail` says what was seen.
   */
  | { outcome: 'ends-session'; detail: string }
  /** An error before and after notifications/initialized: tools/list fails for another reason. */
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
  /** The POST of initialize, when it was answered with a non-2xx status. */
  initializeAnswer?: HttpAnswer;
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

/**
 * A shallow probe (initialize, then the session is closed) of a URL where initialize already
 * worked, sent with one header changed. Comparing it with the working probe is what makes it say
 * something: a refusal can then only be about that header.
 */
export interface HeaderVariant {
  /** What was changed, e.g. `Origin: http://doctor.invalid`, or `without --header`. */
  sent: string;
  /** initialize was answered with an InitializeResult. */
  accepted: boolean;
  /** The HTTP answer that refused it (the GET of the stream or the POST of initialize). */
  answer?: HttpAnswer;
  rpcError?: JsonRpcErrorSeen;
  /** Why it was not accepted, when no HTTP answer says it (a timeout, a missing endpoint event). */
  problem?: string;
  failure?: NetworkFailure;
}

/** DNS-rebinding protection, judged only from `initialize` sent with a foreign Origin or Host. */
export interface GuardProbes {
  url: string;
  transport: 'streamable-http' | 'legacy-sse';
  origin: HeaderVariant;
  host: HeaderVariant;
  /** When the foreign Origin was refused: the server's own origins, tried in turn until one is accepted. */
  ownOrigins: HeaderVariant[];
}

export interface DoctorProbes {
  url: string;
  timeoutMs: number;
  /** Names of the `--header`s sent on every probe (their values are never kept here). */
  headerNames: string[];
  paths: PathProbe[];
  oauth: OAuthProbe[];
  guards?: GuardProbes;
  /** With `--header`: the working URL probed once without them (does the server need them?). */
  withoutHeaders?: HeaderVariant;
}
