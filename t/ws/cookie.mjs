// t/ws/cookie.mjs: open the ui door's websocket with a Cookie header (the
// session of UI_AUTH=oidc) and no basic auth.
//
//	node cookie.mjs PORT CA_FILE COOKIE [HOLD_SECONDS]
//
// Prints "hello" when the notifier greets the client, or "refused STATUS"
// when the upgrade is answered with an HTTP status. With HOLD_SECONDS it
// then keeps the socket open that long and prints "closed CODE REASON" when
// the server closes it, or "still open". Exits 0 in all these cases, 1 on
// anything else.
import WebSocket from 'ws';
import { readFileSync } from 'node:fs';

const [port, ca, cookie, hold] = process.argv.slice(2);
const ws = new WebSocket(`wss://localhost:${port}/api/v1/events`, {
	ca: readFileSync(ca), headers: { Cookie: cookie, Origin: `https://localhost:${port}` },
});
let timer = setTimeout(() => { console.log('timeout'); process.exit(1); }, 10000);
ws.on('unexpected-response', (req, res) => {
	clearTimeout(timer);
	console.log(`refused ${res.statusCode}`);
	process.exit(0);
});
ws.on('message', (data) => {
	const m = JSON.parse(data.toString());
	if (m.type !== 'hello') return;
	clearTimeout(timer);
	console.log('hello');
	if (!hold) {
		ws.terminate();
		process.exit(0);
	}
	timer = setTimeout(() => { console.log('still open'); ws.terminate(); process.exit(0); }, Number(hold) * 1000);
	ws.on('close', (code, reason) => {
		clearTimeout(timer);
		console.log(`closed ${code} ${reason.toString()}`);
		process.exit(0);
	});
});
ws.on('error', (e) => { clearTimeout(timer); console.log(`error ${e.message}`); process.exit(1); });
