// t/ui-oidc.t: signing in with OIDC (UI_AUTH=oidc) in the browser.
import { chromium } from 'playwright-core';
import { BASE, main, ok, is, sql, until, pageFetch } from './lib.mjs';
import { idpLogin, IDP_URL } from './idp.mjs';

let browser;
const onIdp = (u) => String(u).startsWith(IDP_URL + '/');

// a fresh browser context (no cookies) on the UI: the page sends it to the
// IdP, where USER signs in; resolves once the page is back, signed in
async function signIn(user) {
	if (!browser) {
		browser = await chromium.launch({
			executablePath: '/usr/bin/chromium', headless: true,
			args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking',
				'--disable-component-update', '--disable-sync', '--no-first-run'],
		});
	}
	const ctx = await browser.newContext({ ignoreHTTPSErrors: true });
	const page = await ctx.newPage();
	page.errors = [];
	page.on('pageerror', (e) => page.errors.push(String(e)));
	await page.goto(BASE + '/');
	await back(page, user);
	return page;
}

// at the IdP's login page: sign USER in, wait until the UI names them
async function back(page, user) {
	await idpLogin(page, user);
	const home = await until(() => page.url().startsWith(BASE + '/') && !page.url().includes('/api/'), 20);
	if (!home) throw new Error(`not back on the UI: ${page.url()}: ${(await page.textContent('body').catch(() => '')).slice(0, 300)}`);
	await until(async () => (await page.textContent('#whoami')).includes(user));
}

await main(async () => {
	try {
		// --- alice, a deployer ---
		const a = await signIn('alice');
		is(await a.textContent('#whoami'), 'signed in as alice (deployer)', 'back from the IdP: the header names alice and her role');
		ok(await a.isVisible('#signout-btn'), 'a Sign out button');
		const c = (await a.context().cookies()).find((k) => k.name === 'octopod_session');
		ok(c && c.httpOnly && c.secure && c.sameSite === 'Lax' && c.path === '/', 'the session cookie is HttpOnly, Secure, SameSite=Lax, Path=/', c);
		is(await a.evaluate(() => document.cookie.includes('octopod_session')), false, 'the page\'s script cannot read it');
		ok(await until(async () => (await a.getAttribute('#conn', 'data-mode')) === 'live'), 'live updates: the websocket takes the session');
		ok(!(await a.isDisabled('#new-btn')), 'a deployer may create');
		await a.click('#new-btn');
		await a.fill('#f-name', 'by-alice');
		await a.fill('#f-tag', 'v1');
		await a.click('#panel button[type=submit]');
		await a.waitForURL(/#\/deployments\/by-alice$/);
		is(sql("SELECT created_by FROM deployments WHERE name = 'by-alice'"), 'alice', 'her create is recorded as alice');
		is(sql("SELECT requested_by FROM actions WHERE deployment_name = 'by-alice' AND kind = 'create'"), 'alice', 'and its action');
		ok(await until(async () => (await a.textContent('.detail-sub + p')).includes('by alice')), 'the page shows "by alice"');
		is(a.errors.length, 0, 'no page errors for alice', a.errors);

		// her session expires: the next request sends the page to sign in
		sql("UPDATE sessions SET expires_at = now() - interval '1 second' WHERE username = 'alice'");
		// no reload: the page's own API call finds the 401 (one of its
		// live refreshes may find it first and navigate away under us)
		await a.evaluate(() => { location.hash = '#/deployments/by-alice'; }).catch((e) => {
			if (!/Execution context was destroyed/.test(e.message)) throw e;
		});
		ok(await until(() => onIdp(a.url())), 'an expired session: the page\'s next API call sends it to the IdP to sign in again', a.url());
		await back(a, 'alice');
		ok(await until(async () => (await a.textContent('#whoami')).includes('alice')), 'signed in again');

		// Sign out
		await a.click('#signout-btn');
		ok(await until(() => onIdp(a.url())), 'Sign out: the page leaves for the sign-in', a.url());
		is(sql("SELECT count(*) FROM sessions WHERE username = 'alice' AND expires_at > now()"), '0', 'and alice has no session left');
		const r = await a.request.get(BASE + '/api/v1/project', { maxRedirects: 0 });
		is(r.status(), 401, 'the API refuses the old cookie');

		// --- vera, a viewer ---
		const v = await signIn('vera');
		is(await v.textContent('#whoami'), 'signed in as vera (viewer)', 'vera is a viewer');
		ok(await until(() => v.isDisabled('#new-btn')), 'New deployment is disabled for her');
		is(await v.getAttribute('#new-btn', 'title'), 'Creating a deployment needs the deployer role; you (vera) are a viewer', 'saying why');
		const res = await pageFetch(v, 'POST', 'deployments', { name: 'by-vera', tag: 'v1' });
		is(res.status, 403, 'the API refuses her create: 403');
		is(res.body.error.message, 'create needs the deployer role; vera is a viewer', 'naming the role');
		is(sql("SELECT count(*) FROM deployments WHERE name = 'by-vera'"), '0', 'nothing was created');

		// --- adam, an admin ---
		const d = await signIn('adam');
		await d.goto(BASE + '/#/deployments/arch1');
		await d.waitForSelector('#do-cleanup');
		ok(!(await d.isDisabled('#do-cleanup')), 'adam may delete for good');
		await d.click('#do-cleanup');
		await d.click('#confirm-ok');
		ok(await until(() => sql("SELECT count(*) FROM actions WHERE deployment_name = 'arch1' AND kind = 'cleanup' AND requested_by = 'adam'") === '1'),
			'his cleanup is queued under his name');
		is(d.errors.length, 0, 'no page errors for adam', d.errors);
	} finally {
		if (browser) await browser.close();
	}
});
