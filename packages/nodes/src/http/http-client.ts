// The outbound HTTP client nodes get through ctx.http: SSRF-guarded at connect time and on each redirect.

export interface HttpRequest {
  method: string;
  url: string;
  headers?: Record<string, string>;
  body?: string | Uint8Array;
  /** Whole-request time limit; default 30 s. */
  timeoutMs?: number;
  signal?: AbortSignal;
  /** Redirects followed at most (each one re-checked); default 5, 0 = do not follow. */
  maxRedirects?: number;
  /**
   * Host names the request may go to (a credential's allowedHosts): exact names, or `*.example.com` for any
   * name under it. Any other host, first hop or redirect, fails with `host_not_allowed` before connecting.
   */
  allowedHosts?: readonly string[];
}

export interface HttpResponse {
  status: number;
  /** Lower-cased header names. */
  headers: Record<string, string>;
  body: Uint8Array;
  /** The URL that answered, after redirects. */
  url: string;
}

export interface HttpClient {
  request(req: HttpRequest): Promise<HttpResponse>;
}
