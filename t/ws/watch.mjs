// t/ws/watch.mjs: one client that logs every message it gets.
//
//	node watch.mjs --out FILE [--sub JSON]... [--ready FILE]
//	    [--until TYPE] [--timeout SEC] [--stop FILE]
//
// Each message is a line {"t": ms, "m": message} in FILE. --ready is
// created once every --sub is acknowledged; the client exits after a
// message of type TYPE (or an event of that state with --until
// event:STATE), when FILE --stop exists, or after --timeout (exit 2).
import fs from 'node:fs';
import { open, now, arg, args } from './lib.mjs';

const out = fs.openSync(arg('out'), 'a');
const subs = args('sub');
const ready = arg('ready');
const until = arg('until');
const stop = arg('stop');
const timeout = Number(arg('timeout', 30));

function log(m) {
	fs.writeSync(out, JSON.stringify({ t: now(), m }) + '\n');
}

const ws = await open();
let acks = 0;
const done = (code) => { ws.terminate(); process.exit(code); };
ws.on('message', (data, binary) => {
	let m;
	try { m = JSON.parse(data.toString()); } catch (e) { m = { unparsed: data.toString() }; }
	log(m);
	if (m.type === 'subscribed' && ++acks === subs.length && ready)
		fs.writeFileSync(ready, '');
	if (until && m.type === until)
		done(0);
});
ws.on('close', (code) => { log({ closed: code }); process.exit(3); });
ws.on('error', (e) => { log({ error: String(e) }); process.exit(4); });
for (const s of subs)
	ws.send(s);
if (subs.length === 0 && ready)
	fs.writeFileSync(ready, '');
if (stop)
	setInterval(() => { if (fs.existsSync(stop)) done(0); }, 50);
setTimeout(() => done(2), timeout * 1000);
