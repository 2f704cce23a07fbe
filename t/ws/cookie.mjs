// t/ws/cookie.mjs: open the ui door's websocket with a Cookie header (the
// session of UI_AUTH=oidc) and no basic auth.
//
//	node cookie.mjs PORT CA_FILE COOKIE
//
// Prints "hello" when the notifier greets the client, or "refused STATUS"
// when the upgrade is answered with an HTTP status; exits 0 either way
// (1 on anything else).
import WebSocket from 'ws';
import { readFileSync } from 'node:fs';

const [port, ca, cookie] = process.argv.slice(2);
const ws = new WebSocket(`wss://localhost:${port}/api/v1/events`, {
	ca: readFileSync(ca), headers: { Cookie: cookie, Origin: `https://localhost:${port}` },
});
const timer = setTimeout(() => { console.log('timeout'); process.exit(1); }, 10000);
ws.on('unexpected-response', (req, res) => {
	clearTimeout(timer);
	console.log(`refused ${res.statusCode}`);
	process.exit(0);
});
ws.on('message', (data) => {
	const m = JSON.parse(data.toString());
	if (m.type === 'hello') {
		clearTimeout(timer);
		console.log('hello');
		ws.terminate();
		process.exit(0);
	}
});
ws.on('error', (e) => { clearTimeout(timer); console.log(`error ${e.message}`); process.exit(1); });
