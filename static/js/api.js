// The HTTP API (docs/API.md). Every change carries X-Requested-With.

export class ApiError extends Error {
	constructor(status, code, message, details) {
		super(message);
		this.status = status;
		this.code = code;
		this.details = details || null;
	}
}

const PLAIN = {
	0: 'Cannot reach the octopod server. Check your network connection; the page keeps retrying.',
	401: 'You are not logged in (or your login expired). Reload the page to log in again.',
	502: 'The octopod server is not answering right now. Try again in a moment.',
	503: 'The octopod database is not reachable right now. Try again in a moment.',
	504: 'The octopod server took too long to answer. Try again in a moment.',
};

export async function api(method, path, { body, ifMatch, signal } = {}) {
	const headers = { Accept: 'application/json' };
	if (method !== 'GET' && method !== 'HEAD') headers['X-Requested-With'] = 'octopod';
	if (body !== undefined) headers['Content-Type'] = 'application/json';
	if (ifMatch != null) headers['If-Match'] = String(ifMatch);
	let res;
	try {
		res = await fetch('/api/v1/' + path, {
			method, headers, signal, credentials: 'same-origin', cache: 'no-store',
			body: body !== undefined ? JSON.stringify(body) : undefined,
		});
	} catch (e) {
		if (e.name === 'AbortError') throw e;
		throw new ApiError(0, 'network', PLAIN[0]);
	}
	const text = await res.text();
	let data = null;
	try { data = text ? JSON.parse(text) : null; } catch { /* not JSON: handled below */ }
	if (!res.ok) {
		const e = data && data.error;
		// UI_AUTH=oidc: no session (never signed in, expired, signed out
		// elsewhere): the page goes to the sign-in again
		if (res.status === 401 && e && e.details && e.details.login) signIn(e.details.login);
		let msg = (e && e.message) || PLAIN[res.status] || `The server refused the request (HTTP ${res.status}).`;
		if (res.status >= 500 && PLAIN[res.status]) msg = PLAIN[res.status];
		if (res.status === 401) msg = PLAIN[401];
		throw new ApiError(res.status, (e && e.code) || `http_${res.status}`, msg, e && e.details);
	}
	if (data === null) throw new ApiError(res.status, 'bad_answer', 'The server sent an answer this page cannot read.');
	return data;
}

export const enc = encodeURIComponent;

// the sign-in of UI_AUTH=oidc, once however many requests found no session
let signingIn = false;
export function signIn(url) {
	if (signingIn) return;
	signingIn = true;
	location.assign(url || '/api/v1/auth/login');
}
