// What the browser tests share: their settings from the environment and a REST client for
// setting up and for playing the visitor.

/** The environment variable `name`; exits when it is missing (xtask sets them all). */
export function requireEnv(name, command) {
  const value = process.env[name];
  if (!value) {
    console.error(`${name} is not set: run this test via \`cargo xtask ${command}\``);
    process.exit(2);
  }
  return value;
}

/**
 * `api(method, path, body, auth)`: a REST call to the server at `server` (as `auth`,
 * `{userId, authToken}`, or anonymously), giving up after `timeoutMs`; fails loudly with the
 * body on anything but a success.
 */
export function restClient(server, timeoutMs) {
  return async function api(method, path, body, auth) {
    const headers = { 'Content-Type': 'application/json' };
    if (auth) {
      headers['X-User-Id'] = auth.userId;
      headers['X-Auth-Token'] = auth.authToken;
    }
    const res = await fetch(`${server}/api/v1/${path}`, {
      method,
      headers,
      body: body === undefined ? undefined : JSON.stringify(body),
      signal: AbortSignal.timeout(timeoutMs),
    });
    const text = await res.text();
    let json;
    try {
      json = JSON.parse(text);
    } catch {
      throw new Error(`${method} /api/v1/${path}: HTTP ${res.status}, not JSON: ${text.slice(0, 500)}`);
    }
    if (!res.ok || json.success === false) {
      throw new Error(`${method} /api/v1/${path}: HTTP ${res.status}: ${text.slice(0, 500)}`);
    }
    return json;
  };
}
