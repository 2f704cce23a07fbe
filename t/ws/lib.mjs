// t/ws/lib.mjs: what the websocket test clients share. The stack's
// ui door (wss, basic auth, our CA) from the environment the test
// harness exports: OCTOPOD_VAR, UI_PORT, UI_CRED.
import fs from 'node:fs';
import WebSocket from 'ws';

const env = process.env;

export function url() {
	return env.WS_URL || `wss://localhost:${env.UI_PORT}/api/v1/events`;
}

// open(): a connected WebSocket; rejects on error.
export function open(opts = {}) {
	const headers = {};
	if (env.UI_CRED)
		headers.Authorization = 'Basic ' + Buffer.from(env.UI_CRED).toString('base64');
	const ws = new WebSocket(url(), {
		headers,
		ca: fs.readFileSync(`${env.OCTOPOD_VAR}/tls/ca.pem`),
		perMessageDeflate: false,
		...opts,
	});
	return new Promise((resolve, reject) => {
		ws.once('open', () => resolve(ws));
		ws.once('error', reject);
		ws.once('unexpected-response', (req, res) =>
		    reject(new Error(`HTTP ${res.statusCode}`)));
	});
}

// now(): wall-clock milliseconds with a fraction
export function now() {
	return performance.timeOrigin + performance.now();
}

export function arg(name, def) {
	const i = process.argv.indexOf(`--${name}`);
	return i >= 0 ? process.argv[i + 1] : def;
}

export function args(name) {
	const out = [];
	process.argv.forEach((a, i) => {
		if (a === `--${name}`)
			out.push(process.argv[i + 1]);
	});
	return out;
}
