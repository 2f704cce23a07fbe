// t/ws/connect.mjs: one websocket connection attempt, for the refusal
// tests (t/security-ws.t):
//
//	node connect.mjs [--origin O] [--url U] [--cert F --key F]
//	    [--hold N --stop FILE]
//
// Prints "open TYPE" (the first message's type) once connected, or
// "HTTP STATUS BODY" when the upgrade is refused; with --hold N it opens
// N connections one after another (stopping at the first refusal), prints
// "held K [the refusal]" and keeps them until FILE exists.
import fs from 'node:fs';
import WebSocket from 'ws';
import { url, arg } from './lib.mjs';

const env = process.env;
const origin = arg('origin');
const cert = arg('cert');
const hold = Number(arg('hold', 0));
const target = arg('url', url());

function once() {
	const headers = {};
	if (env.UI_CRED && !cert)
		headers.Authorization = 'Basic ' + Buffer.from(env.UI_CRED).toString('base64');
	const opts = { headers, ca: fs.readFileSync(`${env.OCTOPOD_VAR}/tls/ca.pem`),
	    perMessageDeflate: false };
	if (origin)
		opts.origin = origin;
	if (cert) {
		opts.cert = fs.readFileSync(cert);
		opts.key = fs.readFileSync(arg('key'));
	}
	const ws = new WebSocket(target, opts);
	return new Promise((resolve) => {
		ws.once('message', (d) => resolve({ ws, line: `open ${JSON.parse(d.toString()).type}` }));
		ws.once('error', (e) => resolve({ ws, line: `error ${e.message}` }));
		ws.once('unexpected-response', (req, res) => {
			let body = '';
			res.on('data', (c) => { body += c; });
			res.on('end', () => resolve({ ws: null, line: `HTTP ${res.statusCode} ${body.trim()}` }));
		});
	});
}

if (hold > 0) {
	const held = [];
	let last = '';
	for (let i = 0; i < hold; i++) {
		const r = await once();
		if (!r.line.startsWith('open')) {
			last = r.line;
			break;
		}
		held.push(r.ws);
	}
	console.log(`held ${held.length}${last ? ' ' + last : ''}`);
	const stop = arg('stop');
	setInterval(() => {
		if (fs.existsSync(stop)) {
			held.forEach((w) => w.terminate());
			process.exit(0);
		}
	}, 100);
} else {
	const r = await once();
	console.log(r.line);
	if (r.ws)
		r.ws.terminate();
	process.exit(0);
}
