// Talking to the server from the page: same-origin requests only, cookies only to our own origin, no
// Referer (the page URL carries the key in its fragment; browsers strip fragments, this is a second
// lock), and the contract's JSON errors turned into ApiError.

export class ApiError extends Error {
  override readonly name = 'ApiError';
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly retryAfter?: number,
  ) {
    super(message);
  }
}

/** The request options every fetch of the page uses. */
export function fetchInit(init: RequestInit = {}): RequestInit {
  return { ...init, credentials: 'same-origin', referrerPolicy: 'no-referrer', redirect: 'error' };
}

/** An ApiError from a non-2xx answer: the contract's error_code and message when the body has them. */
export function apiError(status: number, bodyText: string, retryAfterHeader: string | null): ApiError {
  let code = `HTTP_${status}`;
  let message = `the server answered ${status}`;
  let retryAfter: number | undefined;
  try {
    const body = JSON.parse(bodyText) as { error_code?: unknown; message?: unknown; retry_after?: unknown };
    if (typeof body.error_code === 'string') code = body.error_code;
    if (typeof body.message === 'string') message = body.message;
    if (typeof body.retry_after === 'number') retryAfter = body.retry_after;
  } catch {
    // Not the contract's JSON (a proxy's page): keep the status.
  }
  const header = Number(retryAfterHeader);
  if (retryAfter === undefined && retryAfterHeader !== null && Number.isFinite(header)) retryAfter = header;
  return new ApiError(status, code, message, retryAfter);
}

/** Thrown when the server cannot be reached at all. */
export class NetworkError extends Error {
  override readonly name = 'NetworkError';
}

/** fetch with the page's options; network failures become NetworkError, error statuses ApiError. */
export async function request(url: string, init: RequestInit = {}): Promise<Response> {
  let response: Response;
  try {
    response = await fetch(url, fetchInit(init));
  } catch {
    throw new NetworkError('could not reach the server');
  }
  if (!response.ok) throw apiError(response.status, await response.text().catch(() => ''), response.headers.get('retry-after'));
  return response;
}

export async function getJson<T>(url: string): Promise<T> {
  const response = await request(url, { headers: { accept: 'application/json' } });
  return (await response.json()) as T;
}
