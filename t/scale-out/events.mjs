// t/scale-out/events.mjs: a websocket client straight on one notifier's
// unix socket (as nginx would proxy it): subscribes to the list and
// writes every message as one JSON line to OUT until STOP exists.
//	node events.mjs SOCKET OUT READY STOP
import fs from 'node:fs';
import WebSocket from 'ws';

const [sock, outFile, ready, stop] = process.argv.slice(2);
const out = fs.openSync(outFile, 'a');
const ws = new WebSocket(`ws+unix://${sock}:/events`, {
	headers: { 'X-Octopod-Actor': 'scale-out-test' }, perMessageDeflate: false,
});
ws.on('open', () => ws.send(JSON.stringify({ subscribe: 'list' })));
ws.on('message', (data) => {
	fs.writeSync(out, data.toString() + '\n');
	const m = JSON.parse(data.toString());
	if (m.type === 'subscribed')
		fs.writeFileSync(ready, '');
});
ws.on('close', (code) => { fs.writeSync(out, JSON.stringify({ closed: code }) + '\n'); process.exit(3); });
ws.on('error', (e) => { fs.writeSync(out, JSON.stringify({ error: String(e) }) + '\n'); process.exit(4); });
setInterval(() => { if (fs.existsSync(stop)) { ws.terminate(); process.exit(0); } }, 50);
setTimeout(() => process.exit(2), 300 * 1000);
