// bench/create.mjs: POST deployments N times through the ui door (one
// keep-alive TLS connection, one request at a time, GAP ms apart) and
// print "NAME SENT_MS ANSWERED_MS" for each (wall clock, just before the
// request is written; when the answer has been read); bench/run.sh joins these with the control script's stamps.
//
//	node bench/create.mjs N GAP PREFIX	(env: OCTOPOD_VAR, UI_PORT, UI_CRED)
import https from 'node:https';
import fs from 'node:fs';

const [n, gap, prefix] = [Number(process.argv[2]), Number(process.argv[3]), process.argv[4]];
const env = process.env;
const agent = new https.Agent({ keepAlive: true, maxSockets: 1 });
const ca = fs.readFileSync(`${env.OCTOPOD_VAR}/tls/ca.pem`);
const auth = 'Basic ' + Buffer.from(env.UI_CRED).toString('base64');
const now = () => performance.timeOrigin + performance.now();
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

function post(body) {
	return new Promise((resolve, reject) => {
		const req = https.request({
			host: 'localhost', port: env.UI_PORT, path: '/api/v1/deployments',
			method: 'POST', agent, ca,
			headers: { Authorization: auth, 'X-Requested-With': 'octopod',
				'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(body) },
		}, (res) => {
			res.resume();
			res.on('end', () => res.statusCode < 300 ? resolve() :
			    reject(new Error(`HTTP ${res.statusCode}`)));
		});
		req.on('error', reject);
		req.end(body);
	});
}

await post(JSON.stringify({ name: `${prefix}-warm`, tag: 'v1' }));
const out = [];
for (let i = 0; i < n; i++) {
	const name = `${prefix}-${i}`;
	const body = JSON.stringify({ name, tag: 'v1' });
	await sleep(gap);
	const t = now();
	await post(body);
	out.push(`${name} ${t.toFixed(3)} ${now().toFixed(3)}`);
}
console.log(out.join('\n'));
agent.destroy();
