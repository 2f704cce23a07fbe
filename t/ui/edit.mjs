// t/ui-edit.t: the detail page: edit sends only the change, action output
// (live while it runs), archive / restore with confirmation, screenshots.
import { newPage, BASE, VAR, main, ok, is, sql, until, diag, pageFetch } from './lib.mjs';

await main(async () => {
	const page = await newPage();
	// set up through the API, from the page's own origin
	await page.goto(BASE + '/');
	const created = (await pageFetch(page, 'POST', 'deployments', { name: 'ed-1', tag: 'v1', app_overrides: [{ key: 'A', value: '1' }, { key: 'B', value: '2' },
			{ key: 'S', value: 'hunter2', secret: true }, { key: 'C', value: '3' }, { key: 'D', value: '4' }],
			deployment_overrides: [{ key: 'replicas', value: '1' }] })).status;
	is(created, 202, 'set up: ed-1 created');
	ok(await until(() => sql("SELECT status FROM deployments WHERE name='ed-1'") === 'Running', 20), 'set up: ed-1 is Running');

	const changes = [];
	page.on('request', (r) => { if (r.method() !== 'GET' && r.url().includes('/api/v1/')) changes.push(r); });
	await page.goto(BASE + '/#/deployments/ed-1');
	const badge = page.locator('.detail-head .badge');
	await until(async () => (await badge.textContent()) === 'Running');
	is(await badge.textContent(), 'Running', 'the detail page shows the status');
	const cfg = await page.textContent('section[aria-labelledby=cfg-title]');
	ok(cfg.includes('A') && cfg.includes('replicas') && cfg.includes('(secret)') && !cfg.includes('hunter2'), 'the configuration shows overrides, secrets masked', cfg);
	ok((await page.locator('.links a').count()) >= 1, 'the links from info are shown');

	// the output of a finished action
	await page.locator('tr.act[data-state=succeeded] button:has-text("Show output")').last().click();
	const out = page.locator('pre.output').first();
	ok(await until(async () => (await out.textContent()).includes('created')), 'the create action output is shown', await out.textContent());

	// edit one value: only that is sent
	const version = sql("SELECT version FROM deployments WHERE name='ed-1'");
	await page.click('#do-edit');
	is(await page.evaluate(() => document.activeElement.id), 'f-tag', 'Edit opens the panel on the tag');
	const aVal = page.locator('#panel li.ovr[data-key="A"] input.v');
	await aVal.fill('11');
	ok(await page.locator('#panel input.v[placeholder="unchanged (secret)"]').count() === 1, 'the secret value is not shown, only that it is unchanged');
	await page.click('#panel button[type=submit]');
	await until(() => changes.length > 0, 5);
	is(changes.length, 1, 'one request');
	const req = changes[0];
	is(req.method(), 'PATCH', 'a PATCH');
	is(JSON.stringify(req.postDataJSON()), JSON.stringify({ app_overrides: { set: [{ key: 'A', value: '11', secret: false }] } }), 'only the change is sent');
	is(req.headers()['if-match'], version, 'with If-Match: the version seen');
	is(req.headers()['x-requested-with'], 'octopod', 'and X-Requested-With');

	// its output arrives while it runs
	const live = page.locator('tr.out-row pre.output').first();
	const one = await until(async () => (await live.textContent()).includes('step one'), 10);
	ok(one, 'the running action opens and shows its first line', await live.textContent());
	is(sql("SELECT state FROM actions WHERE deployment_name='ed-1' AND kind='update'"), 'running', 'while the action is still running');
	ok(await until(async () => (await page.locator('pre.output .stderr').count()) > 0, 10), 'stderr arrives too, marked');
	ok(await until(async () => (await live.textContent()).includes('update: done'), 15), 'to the end');
	ok(await until(async () => (await badge.textContent()) === 'Running', 20), 'back to Running');
	is(sql("SELECT value FROM overrides o JOIN deployments d ON d.id=o.deployment_id WHERE d.name='ed-1' AND key='A'"), '11', 'the value changed');
	is(sql("SELECT count(*) FROM overrides o JOIN deployments d ON d.id=o.deployment_id WHERE d.name='ed-1' AND key='S' AND value='hunter2'"), '1', 'the secret was not touched');
	ok(await until(async () => (await page.textContent('tr.act[data-state=succeeded]')).includes('A=11')), 'the action history says what changed');
	ok((await page.textContent('table.acts')).includes('octopod'), 'and who asked');

	// nothing changed: nothing sent
	await page.click('#do-edit');
	await page.click('#panel button[type=submit]');
	ok((await page.textContent('#panel .form-error')).includes('Nothing changed'), 'saving without a change says so');
	is(changes.length, 1, 'and sends nothing');
	await page.keyboard.press('Escape');

	// screenshots of the detail page, light and dark
	await page.evaluate(() => { document.activeElement.blur(); window.scrollTo(0, 0); });
	await page.screenshot({ path: `${VAR}/screenshots/detail-light.png`, fullPage: true });
	await page.emulateMedia({ colorScheme: 'dark' });
	const bg = await page.evaluate(() => getComputedStyle(document.body).backgroundColor);
	ok(/rgb\((\d+), (\d+), (\d+)\)/.test(bg) && bg.match(/\d+/g).slice(0, 3).every((x) => +x < 60), 'dark mode is dark', bg);
	await page.screenshot({ path: `${VAR}/screenshots/detail-dark.png`, fullPage: true });
	await page.emulateMedia({ colorScheme: 'light' });

	// archive: a confirmation naming it; Cancel does nothing
	await page.click('#do-archive');
	const dlg = page.locator('#confirm');
	ok(await dlg.isVisible(), 'Archive asks first');
	ok((await page.textContent('#confirm-title')).includes('ed-1') && (await page.textContent('#confirm-ok')).includes('ed-1'), 'the dialog names the deployment');
	is(await page.evaluate(() => document.activeElement.id), 'confirm-cancel', 'the focus is on Cancel');
	await page.keyboard.press('Enter');
	ok(!(await dlg.isVisible()), 'Cancel closes it');
	is(changes.length, 1, 'and sends nothing');
	await page.click('#do-archive');
	await page.click('#confirm-ok');
	ok(await until(async () => (await badge.textContent()) === 'Archived', 20), 'archived', await badge.textContent());
	is(changes.at(-1).url().replace(/.*\/api\/v1\//, ''), 'deployments/ed-1/archive', 'the archive request was sent');
	is(sql("SELECT status FROM deployments WHERE name='ed-1'"), 'Archived', 'the database agrees');

	// in the archived section of the list, with Restore there too
	await page.goto(BASE + '/#/?archived=1');
	await page.waitForSelector('.row[data-name="ed-1"]');
	ok(await page.locator('.row[data-name="ed-1"] button:has-text("Restore")').isEnabled(), 'the archived list offers Restore');
	await page.click('.row[data-name="ed-1"] button:has-text("Restore")');
	ok((await page.textContent('#confirm-title')).includes('Restore ed-1'), 'restore asks first, naming it');
	await page.click('#confirm-ok');
	ok(await until(() => sql("SELECT status FROM deployments WHERE name='ed-1'") === 'Running', 20), 'restored to Running');
	ok(await until(async () => (await page.locator('.row[data-name="ed-1"]').count()) === 0, 10), 'and it leaves the archived list by itself');
	await page.goto(BASE + '/#/deployments/ed-1');
	ok(await until(async () => (await badge.textContent()) === 'Running'), 'the detail page shows it Running again');
	const kinds = await page.locator('tr.act td:first-child strong').allTextContents();
	is(kinds.join(','), 'Restore,Archive,Update,Create', 'every action is in the history, newest first');

	// expiry and pin: "expires in …", Pin keeps it, Unpin lets it expire again
	ok((await page.textContent('.expiry-line')).includes('never expires'), 'no TTL: never expires');
	sql("UPDATE deployments SET ttl = 7200, expires_at = now() + interval '2 hours', version = version + 1 WHERE name = 'ed-1'");
	await page.reload();
	ok(await until(async () => (await page.textContent('.expiry-line')).includes('expires in 2 hours'), 10),
		'a TTL shows when it expires', await page.textContent('.expiry-line'));
	await page.click('#do-pin');
	ok(await until(async () => (await page.textContent('.expiry-line')).includes('never expires'), 10), 'Pin: never expires');
	is(sql("SELECT pinned FROM deployments WHERE name = 'ed-1'"), 't', 'the database has it pinned');
	is(changes.at(-1).url().replace(/.*\/api\/v1\//, ''), 'deployments/ed-1/pin', 'the pin request was sent');
	is(await page.getAttribute('#do-pin', 'aria-pressed'), 'true', 'the toggle says it is pressed');
	await page.click('#do-pin');
	ok(await until(async () => (await page.textContent('.expiry-line')).includes('expires in'), 10), 'Unpin: it expires again');
	is(sql("SELECT pinned FROM deployments WHERE name = 'ed-1'"), 'f', 'the database has it unpinned');
	await page.goto(BASE + '/#/?q=ed-1');
	ok(await until(async () => ((await page.textContent('.row[data-name="ed-1"] .r-meta')) || '').includes('expires in'), 10),
		'the list row says when it expires too');
	await page.goto(BASE + '/#/deployments/ed-1');
	await page.waitForSelector('#do-edit');

	// a config_check refusal: shown in the panel, nothing changed
	await page.click('#do-edit');
	await page.fill('#f-tag', 'bad');
	await page.click('#panel button[type=submit]');
	ok(await until(async () => (await page.textContent('#panel')).includes('not in the registry'), 10),
		"the configuration check's message is shown in the panel");
	ok(await page.locator('#panel').isVisible(), 'the panel stays open');
	is(sql("SELECT tag FROM deployments WHERE name='ed-1'"), 'v1', 'and nothing changed');
	await page.keyboard.press('Escape');

	// cleanup: archive, then delete for good with a confirmation naming it
	await page.click('#do-archive');
	await page.click('#confirm-ok');
	ok(await until(async () => (await badge.textContent()) === 'Archived', 20), 'archived again');
	await page.click('#do-cleanup');
	ok((await page.textContent('#confirm-title')).includes('ed-1'), 'cleanup asks first, naming it');
	await page.click('#confirm-ok');
	ok(await until(() => sql("SELECT count(*) FROM deployments WHERE name='ed-1'") === '0', 20), 'cleaned up: the record is gone');
	ok(await until(async () => (await page.textContent('main')).includes('no deployment named ed-1'), 10),
		'the page says it is gone');
	is(page.errors.length, 0, 'no script errors', page.errors.join('\n'));
});
