// The REST client of the console: every call goes to our own public API under /api/v1 (and
// to its stored files under /file-upload), with the signed-in user's credentials from
// sessionStorage in headers (never in a URL).

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
export async function call(method, path, { body, form, params, signal } = {}) {
  const headers = { Accept: 'application/json' };
  const auth = credentials();
  if (auth) {
    headers['X-User-Id'] = auth.userId;
    headers['X-Auth-Token'] = auth.authToken;
  }
  let payload;
  if (form !== undefined) {
    // The browser writes the multipart Content-Type with its boundary itself.
    payload = form;
  } else if (body !== undefined) {
    headers['Content-Type'] = 'application/json';
    payload = JSON.stringify(body);
  }
  const response = await fetch(`/api/v1/${path}${query(params)}`, {
    method,
    headers,
    body: payload,
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

/**
 * Sends `file` into room `rid` as the signed-in agent (`POST rooms.upload/:rid`, multipart
 * `file` and, when given, `msg`). Resolves to the message that carries the file; rejects with
 * ApiError (e.g. 413 `error-file-too-large`) or, on a network failure or `signal`, the fetch's
 * error.
 */
export async function upload(rid, file, { msg, signal } = {}) {
  const form = new FormData();
  form.append('file', file, file.name || 'file');
  if (msg) form.append('msg', msg);
  const answer = await call('POST', `rooms.upload/${encodeURIComponent(rid)}`, { form, signal });
  return answer && answer.message;
}

/**
 * The path of a stored file of this origin (`/file-upload/<id>/<name>`, as the server writes
 * `title_link` and `image_url`), or null for anything else (another origin, another path).
 */
export function filePath(path) {
  if (typeof path !== 'string' || !/^\/file-upload\/[^/?#]+\/[^?#]*$/.test(path)) return null;
  let url;
  try {
    url = new URL(path, window.location.origin);
  } catch {
    return null;
  }
  if (url.origin !== window.location.origin || !url.pathname.startsWith('/file-upload/')) return null;
  return url.pathname;
}

/**
 * A stored file's bytes, fetched with the signed-in user's headers: the credentials stay out
 * of URLs, and the widget's cookies of this origin (a visitor's `rc_token`) cannot stand in
 * for them. Rejects with ApiError (403, 404) or the fetch's error.
 */
export async function fetchFile(path, { signal } = {}) {
  const safe = filePath(path);
  if (!safe) throw new ApiError(400, { error: 'not a file of this server' });
  const headers = {};
  const auth = credentials();
  if (auth) {
    headers['X-User-Id'] = auth.userId;
    headers['X-Auth-Token'] = auth.authToken;
  }
  const response = await fetch(safe, { headers, signal, credentials: 'omit', cache: 'no-store' });
  if (!response.ok) {
    let body = null;
    try {
      body = JSON.parse(await response.text());
    } catch {
      body = null;
    }
    throw new ApiError(response.status, body);
  }
  return response.blob();
}

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
