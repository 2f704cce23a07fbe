// t/ws/garbage.mjs: send each argument as one frame (--binary N: the Nth
// as a binary frame; --big N: a text frame of N bytes first) and print
// every answer as a JSON line; then check that the connection still
// works with a good subscription. Exit 0 when it does.
import { open, arg, args } from './lib.mjs';

const frames = args('frame');
const big = Number(arg('big', 0));
const binary = Number(arg('binary', -1));
const ws = await open();
const got = [];
ws.on('message', (d) => {
	const m = JSON.parse(d.toString());
	console.log(JSON.stringify(m));
	got.push(m);
});
ws.on('close', (code) => { console.log(JSON.stringify({ closed: code })); process.exit(3); });
await new Promise((r) => setTimeout(r, 100));
if (big > 0)
	ws.send('{"subscribe":"' + 'x'.repeat(big) + '"}');
frames.forEach((f, i) => ws.send(i === binary ? Buffer.from(f) : f, { binary: i === binary }));
ws.send('{"subscribe":"list"}');
const t0 = Date.now();
while (Date.now() - t0 < 10000 && !got.some((m) => m.type === 'subscribed'))
	await new Promise((r) => setTimeout(r, 20));
ws.terminate();
process.exit(got.some((m) => m.type === 'subscribed') ? 0 : 1);
