// t/ui-roles.t: what the page lets each role do, and why not.
import { chromium } from 'playwright-core';
import { BASE, CRED, main, ok, is, sql, until, pageFetch } from './lib.mjs';

const cred = (s) => { const i = s.indexOf(':'); return { username: s.slice(0, i), password: s.slice(i + 1) }; };
let browser;

// a page signed in as cred, with page errors collected
async function pageAs(c) {
	if (!browser) {
		browser = await chromium.launch({
			executablePath: '/usr/bin/chromium', headless: true,
			args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking',
				'--disable-component-update', '--disable-sync', '--no-first-run'],
		});
	}
	const ctx = await browser.newContext({ ignoreHTTPSErrors: true, httpCredentials: c });
	const page = await ctx.newPage();
	page.errors = [];
	page.on('pageerror', (e) => page.errors.push(String(e)));
	return page;
}

await main(async () => {
	try {
		// --- a viewer ---
		const v = await pageAs(cred(process.env.VERA));
		await v.goto(BASE + '/');
		await v.waitForSelector('.row');
		ok(await until(() => v.isDisabled('#new-btn')), 'a viewer sees New deployment disabled');
		is(await v.getAttribute('#new-btn', 'title'), 'Creating a deployment needs the deployer role; you (vera) are a viewer',
			'its title says why');
		is(await v.textContent('#whoami'), 'signed in as vera (viewer)', 'the header names the person and the role');
		const edit = v.locator('.row[data-name="run1"] button');
		ok(await edit.isDisabled(), 'the list greys out Edit for a viewer');
		ok((await edit.getAttribute('title')).includes('needs the deployer role'), 'and says why');
		await v.click('#new-btn', { force: true }).catch(() => {});
		ok(!(await v.locator('#panel').isVisible()), 'a forced click opens no panel');
		// bypassing the page: the API refuses the viewer
		const r = await pageFetch(v, 'POST', 'deployments', { name: 'by-vera', tag: 'v1' });
		is(r.status, 403, 'the API refuses a viewer\'s create: 403');
		is(r.body.error.code, 'forbidden', 'code forbidden');
		is(r.body.error.message, 'create needs the deployer role; vera is a viewer', 'the message names both roles');
		is(sql("SELECT count(*) FROM deployments WHERE name = 'by-vera'"), '0', 'and nothing was created');
		await v.goto(BASE + '/#/deployments/run1');
		await v.waitForSelector('#do-edit');
		ok(await v.isDisabled('#do-edit'), 'the detail page greys out Edit');
		ok(await v.isDisabled('#do-archive'), 'and Archive');
		ok(await v.isDisabled('#do-pin'), 'and Pin');
		is(await v.textContent('#role-note'), 'Editing needs the deployer role; you (vera) are a viewer', 'a note says why, in words');
		is(v.errors.length, 0, 'no page errors for the viewer', v.errors);

		// --- a deployer: creates as herself, may not delete for good ---
		const a = await pageAs(cred(process.env.ALICE));
		await a.goto(BASE + '/');
		await a.waitForSelector('.row');
		await until(async () => (await a.textContent('#whoami')).includes('alice'));
		ok(!(await a.isDisabled('#new-btn')), 'a deployer may create');
		await a.click('#new-btn');
		await a.fill('#f-name', 'by-alice');
		await a.fill('#f-tag', 'v1');
		await a.click('#panel button[type=submit]');
		await a.waitForURL(/#\/deployments\/by-alice$/);
		is(sql("SELECT created_by FROM deployments WHERE name = 'by-alice'"), 'alice', 'her create is recorded as alice');
		ok(await until(async () => (await a.textContent('.detail-sub + p')).includes('by alice')), 'the page shows "by alice"');
		await a.goto(BASE + '/#/deployments/arch1');
		await a.waitForSelector('#do-cleanup');
		ok(!(await a.isDisabled('#do-restore')), 'a deployer may restore');
		ok(await a.isDisabled('#do-cleanup'), 'but Delete for good is greyed out');
		is(await a.getAttribute('#do-cleanup', 'title'), 'Deleting for good needs the admin role; you (alice) are a deployer', 'saying why');
		is(await a.textContent('#role-note'), 'Deleting for good needs the admin role; you (alice) are a deployer', 'in a note too');
		is(a.errors.length, 0, 'no page errors for the deployer', a.errors);

		// --- an admin (make run's first user) ---
		const o = await pageAs(CRED);
		await o.goto(BASE + '/#/deployments/arch1');
		await o.waitForSelector('#do-cleanup');
		await until(async () => (await o.textContent('#whoami')).includes('admin'));
		ok(!(await o.isDisabled('#do-cleanup')), 'an admin may delete for good');
		is(await o.locator('#role-note').count(), 0, 'no role note for an admin');
		await o.click('#do-cleanup');
		await o.click('#confirm-ok');
		ok(await until(() => sql("SELECT count(*) FROM actions WHERE deployment_name = 'arch1' AND kind = 'cleanup' AND requested_by = 'octopod'") === '1'),
			'the admin\'s cleanup is queued under their name');
		is(o.errors.length, 0, 'no page errors for the admin', o.errors);
	} finally {
		if (browser) await browser.close();
	}
});
