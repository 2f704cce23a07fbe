// t/ws/fanout.mjs: many clients at once, some of them never reading.
//
//	node fanout.mjs --clients N --sub JSON --name NAME --expect K
//	    [--paused P] [--ready FILE] [--result FILE] [--resume FILE]
//	    [--timeout SEC] [--samples FILE]
//
// N clients send --sub and count the deployment events named NAME
// (payload field "i" must run 0..K-1, in order); P more clients follow
// the list and pause their socket once subscribed. --ready is created
// when all are subscribed. When every reading client has its K events
// (or at the timeout) a JSON summary goes to --result; then, once FILE
// --resume exists, the paused clients read again and the final summary
// (with what became of them) is written to --result.final.
import fs from 'node:fs';
import { open, now, arg } from './lib.mjs';

const n = Number(arg('clients', 1));
const paused = Number(arg('paused', 0));
const sub = arg('sub', '{"subscribe":"list"}');
const name = arg('name');
const expect = Number(arg('expect', 1));
const ready = arg('ready');
const result = arg('result');
const resume = arg('resume');
const timeout = Number(arg('timeout', 60)) * 1000;
const samples = arg('samples');	// every latency (ms), one a line

const readers = [];
const sleepers = [];

function subscribe(ws, msg) {
	return new Promise((resolve, reject) => {
		const on = (data) => {
			const m = JSON.parse(data.toString());
			if (m.type === 'subscribed') {
				ws.off('message', on);
				resolve();
			}
		};
		ws.on('message', on);
		ws.send(msg);
		setTimeout(() => reject(new Error('no ack')), 20000);
	});
}

async function reader() {
	const ws = await open();
	const st = { ws, next: 0, bad: 0, closed: null, lat: [] };
	ws.on('message', (data) => {
		// the frame has been read: note the time first, then decode
		// it (the JSON.parse is the application's work after receipt)
		const t = now();
		const m = JSON.parse(data.toString());
		if (!m.event || m.event.name !== name)
			return;
		if (m.event.i !== st.next)
			st.bad++;
		st.next = m.event.i + 1;
		if (m.event.sent)
			st.lat.push(t - m.event.sent);
	});
	ws.on('close', (code) => { st.closed = code; });
	await subscribe(ws, sub);
	readers.push(st);
}

async function sleeper() {
	const ws = await open();
	const st = { ws, bytes: 0, closed: null };
	await subscribe(ws, '{"subscribe":"list"}');
	ws.on('message', (data) => { st.bytes += data.length; });
	ws.on('close', (code) => { st.closed = code; });
	ws._socket.pause();
	sleepers.push(st);
}

// connect in batches: a burst of TLS handshakes is what nginx sees
const jobs = [];
for (let i = 0; i < n; i++)
	jobs.push(reader);
for (let i = 0; i < paused; i++)
	jobs.push(sleeper);
for (let i = 0; i < jobs.length; i += 50)
	await Promise.all(jobs.slice(i, i + 50).map((f) => f()));
if (ready)
	fs.writeFileSync(ready, '');

function summary() {
	const lat = readers.flatMap((r) => r.lat).sort((a, b) => a - b);
	const q = (p) => lat.length ? lat[Math.min(lat.length - 1, Math.floor(p * lat.length))] : null;
	return {
		readers: readers.length,
		complete: readers.filter((r) => r.next === expect && r.bad === 0).length,
		out_of_order: readers.reduce((s, r) => s + r.bad, 0),
		readers_closed: readers.filter((r) => r.closed !== null).length,
		paused: sleepers.length,
		paused_closed: sleepers.filter((s) => s.closed !== null).length,
		paused_bytes: sleepers.reduce((s, x) => s + x.bytes, 0),
		samples: lat.length,
		p50_ms: q(0.5), p99_ms: q(0.99), max_ms: lat.length ? lat[lat.length - 1] : null,
	};
}

const t0 = Date.now();
while (Date.now() - t0 < timeout && !readers.every((r) => r.next === expect))
	await new Promise((r) => setTimeout(r, 20));
const s = summary();
if (samples)
	fs.writeFileSync(samples, readers.flatMap((r) => r.lat).map((x) => x.toFixed(3)).join('\n') + '\n');
if (result)
	fs.writeFileSync(result, JSON.stringify(s) + '\n');
else
	console.log(JSON.stringify(s));
if (resume) {
	while (Date.now() - t0 < timeout && !fs.existsSync(resume))
		await new Promise((r) => setTimeout(r, 50));
	for (const x of sleepers)
		x.ws._socket.resume();
	const t1 = Date.now();
	while (Date.now() - t1 < 15000 && !sleepers.every((x) => x.closed !== null))
		await new Promise((r) => setTimeout(r, 50));
	fs.writeFileSync(result + '.final', JSON.stringify(summary()) + '\n');
}
for (const r of readers)
	r.ws.terminate();
for (const x of sleepers)
	x.ws.terminate();
process.exit(0);
