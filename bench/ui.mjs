// bench/ui.mjs: first render of the list with 10,000 (BENCH_N) deployments and one
// search keystroke, in headless Chromium, next to the bare API call the
// page makes (its floor). Needs a running stack: bench/ui.sh starts one.
import { chromium } from 'playwright-core';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const VAR = process.env.OCTOPOD_VAR;
const BASE = `https://localhost:${process.env.UI_PORT}`;
const [username, ...pw] = readFileSync(join(VAR, 'ui-credentials'), 'utf8').trim().split(':');
const sql = (q) => execFileSync(join(process.env.PGBIN, 'psql'), ['-X', '-q', '-tA', '-v', 'ON_ERROR_STOP=1', '-d', process.env.DATABASE_URL, '-c', q], { encoding: 'utf8' }).trim();
const median = (a) => { const s = [...a].sort((x, y) => x - y); return s[Math.floor(s.length / 2)]; };
const N = +(process.env.BENCH_N || 10000), RUNS = 7;

if (+sql('SELECT count(*) FROM deployments') < N) {
	sql(`INSERT INTO deployments (name, tag, status, created_by, updated_by)
	     SELECT 'd-'||g, 'v'||(g % 50), CASE WHEN g % 37 = 0 THEN 'Failure' ELSE 'Running' END, 'seed', 'seed'
	     FROM generate_series(1, ${N}) g ON CONFLICT DO NOTHING`);
	sql(`INSERT INTO overrides (deployment_id, scope, key, value, secret)
	     SELECT id, 'app', k, 'value-' || id, false FROM deployments, unnest(ARRAY['LOG_LEVEL','FEATURE_X','DB_POOL','REGION']) k
	     ON CONFLICT DO NOTHING`);
	sql('ANALYZE');
}
console.log(`deployments in the database: ${sql('SELECT count(*) FROM deployments')}`);

const dir = mkdtempSync(join(tmpdir(), 'octopod-bench-'));
const ctx = await chromium.launchPersistentContext(dir, {
	executablePath: '/usr/bin/chromium', headless: true,
	args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking',
		'--disable-component-update', '--disable-sync', '--no-first-run'],
	ignoreHTTPSErrors: true, httpCredentials: { username, password: pw.join(':') }, viewport: { width: 1280, height: 860 },
});
const page = await ctx.newPage();
await page.goto(BASE + '/'); // warm the caches once
await page.waitForSelector('.row');

const render = [], api = [], keys = [], keyApi = [];
for (let i = 0; i < RUNS; i++) {
	await page.goto('about:blank');
	await page.goto(BASE + '/');
	await page.waitForSelector('.row');
	// from the start of navigation to the rows in the DOM (performance.now() counts from it)
	render.push(await page.evaluate(() => new Promise((r) => requestAnimationFrame(() => r(performance.now())))));
	api.push(await page.evaluate(async () => {
		const t = performance.now();
		await (await fetch('/api/v1/deployments?archived=false&sort=name&order=asc&limit=100')).json();
		return performance.now() - t;
	}));
	// one keystroke in the search box: "d-99" + "9", until the list shows the result
	await page.fill('#search', 'd-99');
	await page.waitForFunction(() => document.getElementById('summary').textContent.includes('“d-99”'));
	keys.push(await page.evaluate(() => new Promise((res) => {
		const s = document.getElementById('summary');
		const inp = document.getElementById('search');
		inp.focus();
		const mo = new MutationObserver(() => {
			if (s.textContent.includes('“d-999”')) { mo.disconnect(); requestAnimationFrame(() => res(performance.now() - t0)); }
		});
		mo.observe(s, { childList: true, characterData: true, subtree: true });
		const t0 = performance.now();
		inp.value += '9';
		inp.dispatchEvent(new Event('input', { bubbles: true }));
	})));
	keyApi.push(await page.evaluate(async () => {
		const t = performance.now();
		await (await fetch('/api/v1/deployments?q=d-999&archived=false&sort=name&order=asc&limit=100')).json();
		return performance.now() - t;
	}));
}
const f = (x) => x.toFixed(0).padStart(5) + ' ms';
console.log(`list, first render (navigation start -> 100 rows painted), median of ${RUNS}: ${f(median(render))}`);
console.log(`  floor: the same API page alone (GET deployments?limit=100):        ${f(median(api))}  ratio ${(median(render) / median(api)).toFixed(1)}x`);
console.log(`search, one keystroke -> list updated:                              ${f(median(keys))}`);
console.log(`  floor: GET deployments?q=d-999 alone:                              ${f(median(keyApi))}  ratio ${(median(keys) / median(keyApi)).toFixed(2)}x`);
if (process.env.BENCH_OUT) // for bench/run.sh
	writeFileSync(process.env.BENCH_OUT, JSON.stringify({ render: Math.round(median(render)), api: Math.round(median(api)),
		key: Math.round(median(keys)), keyFloor: Math.round(median(keyApi)) }));
await ctx.close();
rmSync(dir, { recursive: true, force: true });
