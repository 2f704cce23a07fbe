// t/ui-create.t: creating deployments through the panel.
import { newPage, BASE, main, ok, is, sql, until, diag } from './lib.mjs';

await main(async () => {
	const page = await newPage();
	const posts = [];
	page.on('request', (r) => { if (r.method() !== 'GET' && r.url().includes('/api/v1/')) posts.push(r); });
	await page.goto(BASE + '/');
	await page.waitForSelector('#summary:has-text("No deployments yet")');
	ok(true, 'the empty list says so');

	// a bad name: the rule next to the field, nothing sent
	await page.click('#new-btn');
	const dlg = page.locator('#panel');
	ok(await dlg.isVisible(), 'New deployment opens the panel');
	is(await page.evaluate(() => document.activeElement.id), 'f-name', 'the name field has the focus');
	ok((await page.textContent('#f-name-rule')).includes('Lower-case letters'), 'the rule is shown next to the name');
	await page.fill('#f-name', 'Bad_Name');
	let err = await page.textContent('#f-name-err');
	ok(err.includes('lower-case letter'), 'an upper-case start is explained as you type', err);
	is(await page.getAttribute('#f-name', 'aria-invalid'), 'true', 'the field is marked invalid');
	await page.fill('#f-name', 'pr-');
	err = await page.textContent('#f-name-err');
	ok(err.includes("must not end with '-'"), "a trailing '-' is explained", err);
	await page.fill('#f-name', 'pr_1');
	ok((await page.textContent('#f-name-err')).includes("not '_'"), 'a bad character is named');
	await page.fill('#f-name', 'a'.repeat(64));
	ok((await page.textContent('#f-name-err')).includes('at most 63'), 'the length limit is explained');
	await page.fill('#f-name', 'Bad-name');
	await page.fill('#f-tag', 'v1');
	await page.click('#panel button[type=submit]');
	await page.waitForTimeout(300);
	is(posts.length, 0, 'a bad name sends nothing');
	is(await page.evaluate(() => document.activeElement.id), 'f-name', 'the focus goes to the bad field');
	ok(await dlg.isVisible(), 'the panel stays open');

	// a good one, with an override
	await page.fill('#f-name', 'ui-one');
	is(await page.textContent('#f-name-err'), '', 'a good name clears the message');
	await page.fill('#f-tag', 'v1.2');
	await page.click('text=Add an app override');
	await page.keyboard.type('LOG_LEVEL');
	await page.keyboard.press('Tab');
	await page.keyboard.type('debug');
	await page.click('#panel button[type=submit]');
	await page.waitForURL(/#\/deployments\/ui-one$/);
	is(posts.length, 1, 'one request');
	const req = posts[0];
	is(req.headers()['x-requested-with'], 'octopod', 'it carries X-Requested-With');
	is(JSON.stringify(req.postDataJSON()), JSON.stringify({ name: 'ui-one', tag: 'v1.2',
		app_overrides: [{ key: 'LOG_LEVEL', value: 'debug', secret: false }], deployment_overrides: [] }), 'it sends what was typed');
	const badge = page.locator('.detail-head .badge');
	const t0 = Date.now();
	const running = await until(async () => (await badge.textContent()) === 'Running', 30);
	ok(running, 'the detail page shows it becoming Running, without a reload', await badge.textContent());
	diag(`Running shown ${Date.now() - t0} ms after the page opened`);
	is(sql("SELECT status FROM deployments WHERE name = 'ui-one'"), 'Running', 'the database agrees');
	ok((await page.textContent('.timeline')).includes('Creating…'), 'the timeline shows the way there');

	// keyboard only: Tab to the button, type, Enter
	await page.goto(BASE + '/');
	await page.waitForSelector('.row');
	await page.evaluate(() => document.activeElement && document.activeElement.blur());
	let found = false;
	for (let i = 0; i < 12 && !found; i++) {
		await page.keyboard.press('Tab');
		found = await page.evaluate(() => document.activeElement.id === 'new-btn');
	}
	ok(found, 'New deployment is reachable with Tab');
	await page.keyboard.press('Enter');
	is(await page.evaluate(() => document.activeElement.id), 'f-name', 'Enter opens the panel in the name field');
	await page.keyboard.type('kb-only');
	await page.keyboard.press('Tab');
	is(await page.evaluate(() => document.activeElement.id), 'f-tag', 'Tab goes to the tag');
	await page.keyboard.type('v2');
	await page.keyboard.press('Enter');
	await page.waitForURL(/#\/deployments\/kb-only$/);
	ok(await until(async () => (await badge.textContent()) === 'Running', 30), 'the keyboard-made deployment becomes Running');
	is(sql("SELECT tag || ' ' || created_by FROM deployments WHERE name = 'kb-only'"), 'v2 octopod', 'with the tag and the user');
	is(await page.evaluate(() => document.activeElement.id), 'detail-title', 'the focus lands on the new page title');

	// Escape closes the panel and gives the focus back
	await page.goto(BASE + '/');
	await page.waitForSelector('.row');
	await page.focus('#new-btn');
	await page.keyboard.press('Enter');
	await page.keyboard.press('Escape');
	ok(!(await dlg.isVisible()), 'Escape closes the panel');
	is(await page.evaluate(() => document.activeElement.id), 'new-btn', 'the focus returns to the button');

	// the server's refusal in place: the name is taken
	const before = posts.length;
	await page.click('#new-btn');
	await page.fill('#f-name', 'ui-one');
	await page.fill('#f-tag', 'v1');
	await page.click('#panel button[type=submit]');
	await page.waitForFunction(() => document.getElementById('f-name-err').textContent.includes('already exists'));
	is(posts.length, before + 1, 'a taken name is sent once');
	ok((await page.textContent('#f-name-err')).includes('already exists'), 'and the 409 is shown under the name');
	ok(await dlg.isVisible(), 'the panel stays open to fix it');
	// a bad override key from the keyboard
	await page.fill('#f-name', 'ui-two');
	await page.click('text=Add an app override');
	await page.keyboard.type('bad key');
	ok((await page.locator('.ovr .err').first().textContent()).includes("not 'space'"), 'a bad key is explained as you type');
	await page.click('#panel button[type=submit]');
	await page.waitForTimeout(200);
	is(posts.length, before + 1, 'and nothing is sent');
	is(page.errors.length, 0, 'no script errors', page.errors.join('\n'));
});
