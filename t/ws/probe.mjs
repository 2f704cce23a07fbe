// t/ws/probe.mjs: how long the notifier takes to greet new clients.
//
//	node probe.mjs --count N --every MS
//
// Opens N clients one after another, MS apart, each closed once its hello
// arrives; prints one line per client: "ms listening" (milliseconds from
// the start of the connection to the hello, and its listening flag), or
// "timeout" when no hello came within 5 s.
import { open, now, arg } from './lib.mjs';

const count = Number(arg('count', 10));
const every = Number(arg('every', 500));

async function probe() {
	const t0 = now();
	const ws = await open();
	return new Promise((resolve) => {
		const timer = setTimeout(() => { ws.terminate(); resolve('timeout'); }, 5000);
		ws.once('message', (data) => {
			clearTimeout(timer);
			const m = JSON.parse(data.toString());
			ws.terminate();
			resolve(`${(now() - t0).toFixed(1)} ${m.type === 'hello' ? m.listening : m.type}`);
		});
	});
}

for (let i = 0; i < count; i++) {
	console.log(await probe().catch((e) => `error ${e.message}`));
	await new Promise((r) => setTimeout(r, every));
}
