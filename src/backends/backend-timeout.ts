// A backend that did not answer within its deadline; networkError maps the code to ERR_BACKEND_TIMEOUT.
export class BackendTimeoutError extends Error {
  readonly code = 'ERR_BACKEND_HTTP_TIMEOUT';
}
