// Browser-test helpers: headless Chromium via playwright-core against the
// stack started by t/lib/stack.sh (UI_PORT, OCTOPOD_VAR, DATABASE_URL, PGBIN),
// TAP output, psql.
import { chromium } from 'playwright-core';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export const VAR = process.env.OCTOPOD_VAR;
export const BASE = `https://localhost:${process.env.UI_PORT}`;
const [user, ...pw] = readFileSync(join(VAR, 'ui-credentials'), 'utf8').trim().split(':');
export const CRED = { username: user, password: pw.join(':') };

let n = 0, failed = 0;
export function ok(cond, desc, diag) {
	n++;
	if (cond) console.log(`ok ${n} - ${desc}`);
	else {
		failed++;
		console.log(`not ok ${n} - ${desc}`);
		// on stderr too, as Test::More: prove shows it even with -j
		const d = diag === undefined ? '' : '\n' + String(typeof diag === 'string' ? diag : JSON.stringify(diag)).split('\n').map((l) => '# ' + l).join('\n');
		if (d) console.log(d.slice(1));
		console.error(`# Failed test ${n} - ${desc}${d}`);
	}
	return !!cond;
}
export function is(got, want, desc) {
	return ok(got === want, desc, `got:  ${JSON.stringify(got)}\nwant: ${JSON.stringify(want)}`);
}
export function diag(s) { console.log(String(s).split('\n').map((l) => '# ' + l).join('\n')); }

export function sql(q) {
	return execFileSync(join(process.env.PGBIN, 'psql'), ['-X', '-q', '-tA', '-v', 'ON_ERROR_STOP=1', '-d', process.env.DATABASE_URL, '-c', q], { encoding: 'utf8' }).trim();
}

// try PRED until it is truthy or SECONDS pass; returns its last value
export async function until(pred, seconds = 15) {
	const end = Date.now() + seconds * 1000;
	let v;
	while (Date.now() < end) {
		try { v = await pred(); } catch { v = undefined; }
		if (v) return v;
		await new Promise((r) => setTimeout(r, 100));
	}
	return v;
}

let browser, dir;
export async function launch({ colorScheme = 'light', viewport = { width: 1280, height: 860 } } = {}) {
	if (!browser) {
		dir = mkdtempSync(join(tmpdir(), 'octopod-chromium-'));
		browser = await chromium.launchPersistentContext(dir, {
			executablePath: '/usr/bin/chromium',
			headless: true,
			args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking',
				'--disable-component-update', '--disable-sync', '--no-first-run'],
			ignoreHTTPSErrors: true, httpCredentials: CRED, colorScheme, viewport,
		});
	}
	return browser;
}

// a fresh page with console errors and failed requests collected
export async function newPage(opts) {
	const ctx = await launch(opts);
	const page = await ctx.newPage();
	page.errors = [];
	page.on('pageerror', (e) => page.errors.push(String(e)));
	if (opts && opts.colorScheme) await page.emulateMedia({ colorScheme: opts.colorScheme });
	return page;
}

export async function done() {
	try { if (browser) await browser.close(); } catch { /* gone */ }
	if (dir) rmSync(dir, { recursive: true, force: true });
	console.log(`1..${n}`);
	process.exit(failed ? 1 : 0);
}

// a request made by the page's own script (its cookies or credentials, its
// origin), past what the page's buttons allow: {status, body}
export async function pageFetch(page, method, path, body) {
	return page.evaluate(async ([method, path, body]) => {
		const x = await fetch('/api/v1/' + path, { method,
			headers: { 'Content-Type': 'application/json', 'X-Requested-With': 'octopod' },
			body: body === undefined ? undefined : JSON.stringify(body) });
		return { status: x.status, body: await x.json() };
	}, [method, path, body]);
}

// run the test body; a thrown error is a failed test, never a silent pass
export async function main(fn) {
	try { await fn(); } catch (e) { ok(false, 'the test ran to its end', e.stack || String(e)); }
	await done();
}
