// The REST client of the console: every call goes to our own public API under /api/v1,
// with the signed-in user's credentials from sessionStorage (never in a URL).

const STORAGE_KEY = 'livechat-console-credentials';

/** An answer of the API that is not a success: `error` is the SPEC's error code or text. */
export class ApiError extends Error {
  constructor(status, body) {
    const error = (body && (body.error || body.message)) || `HTTP ${status}`;
    super(error);
    this.status = status;
    this.error = error;
    this.errorType = body && body.errorType;
    this.body = body;
  }
}

/** `{userId, authToken}` of the signed-in user, or null. */
export function credentials() {
  try {
    const stored = JSON.parse(sessionStorage.getItem(STORAGE_KEY) || 'null');
    return stored && stored.userId && stored.authToken ? stored : null;
  } catch {
    return null;
  }
}

function remember(value) {
  if (value) sessionStorage.setItem(STORAGE_KEY, JSON.stringify(value));
  else sessionStorage.removeItem(STORAGE_KEY);
}

/** Listeners told when the API answers 401 (the token was revoked or expired). */
const signedOutListeners = new Set();
export function onSignedOut(listener) {
  signedOutListeners.add(listener);
  return () => signedOutListeners.delete(listener);
}

function query(params) {
  if (!params) return '';
  const search = new URLSearchParams();
  for (const [key, value] of Object.entries(params)) {
    if (value === undefined || value === null || value === '') continue;
    if (Array.isArray(value)) value.forEach((item) => search.append(key, item));
    else search.append(key, typeof value === 'object' ? JSON.stringify(value) : String(value));
  }
  const text = search.toString();
  return text ? `?${text}` : '';
}

/**
 * Calls `method path` (path relative to /api/v1, e.g. `livechat/rooms`); `body` is sent as
 * JSON, `params` as the query. Resolves to the parsed answer; rejects with ApiError.
 */
export async function call(method, path, { body, params, signal } = {}) {
  const headers = { Accept: 'application/json' };
  const auth = credentials();
  if (auth) {
    headers['X-User-Id'] = auth.userId;
    headers['X-Auth-Token'] = auth.authToken;
  }
  if (body !== undefined) headers['Content-Type'] = 'application/json';
  const response = await fetch(`/api/v1/${path}${query(params)}`, {
    method,
    headers,
    body: body === undefined ? undefined : JSON.stringify(body),
    signal,
    credentials: 'same-origin',
    cache: 'no-store',
  });
  let parsed = null;
  const text = await response.text();
  if (text) {
    try {
      parsed = JSON.parse(text);
    } catch {
      parsed = { error: text };
    }
  }
  if (!response.ok || (parsed && parsed.success === false)) {
    if (response.status === 401 && auth) {
      remember(null);
      signedOutListeners.forEach((listener) => listener());
    }
    throw new ApiError(response.status, parsed);
  }
  return parsed;
}

export const get = (path, params, options = {}) => call('GET', path, { ...options, params });
export const post = (path, body, options = {}) => call('POST', path, { ...options, body });
export const put = (path, body, options = {}) => call('PUT', path, { ...options, body });
export const del = (path, params, options = {}) => call('DELETE', path, { ...options, params });

/** Signs in; stores and returns `{userId, authToken, me}`. */
export async function signIn(user, password) {
  const answer = await post('login', { user, password });
  const { userId, authToken, me } = answer.data;
  remember({ userId, authToken });
  return { userId, authToken, me };
}

/** Signs out (revoking the token on the server) and forgets the credentials. */
export async function signOut() {
  try {
    if (credentials()) await post('logout', {});
  } finally {
    remember(null);
  }
}

/** A fresh message id for a retry-safe send: the same id is sent again on a retry. */
export function newMessageId() {
  const bytes = new Uint8Array(17);
  crypto.getRandomValues(bytes);
  const alphabet = '23456789ABCDEFGHJKLMNPQRSTWXYZabcdefghijkmnopqrstuvwxyz';
  let id = '';
  for (let i = 0; i < 17; i += 1) id += alphabet[bytes[i] % alphabet.length];
  return id;
}
