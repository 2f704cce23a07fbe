// t/ui-list.t: the list with 1,000+ deployments.
import { newPage, BASE, VAR, main, ok, is, sql, until, diag } from './lib.mjs';

await main(async () => {
	// One psql -c, so one transaction: the seeded statuses stay as seeded,
	// because the rows are never due for a check. (Seeded in separate
	// statements, the runner once claimed checks between the INSERT and
	// the UPDATE; a check's event then added a 101st row to the first page.)
	sql(`INSERT INTO deployments (name, tag, status, created_by, updated_by, checked_at)
	     SELECT 'd-'||g, 'v1', 'Running', 'seed', 'seed', now() + interval '1 day' FROM generate_series(1,1000) g;
	     INSERT INTO deployments (name, tag, status, failure_reason, created_by, updated_by, checked_at)
	     VALUES ('zz-fail', 'v7', 'Failure', 'PartialAvailability', 'qa', 'qa', now() + interval '1 day'),
	            ('tagged', 'special-tag', 'Running', NULL, 'pm', 'pm', now() + interval '1 day'),
	            ('old-1', 'v0', 'Archived', NULL, 'dev', 'dev', now() + interval '1 day');
	     INSERT INTO overrides (deployment_id, scope, key, value, secret)
	     SELECT id, 'app', 'NEEDLE_KEY', 'plain', false FROM deployments WHERE name = 'd-500';
	     INSERT INTO overrides (deployment_id, scope, key, value, secret)
	     SELECT id, 'deployment', 'K' || g, 'haystack' || g, false FROM deployments, generate_series(1,6) g WHERE name = 'd-100';
	     INSERT INTO overrides (deployment_id, scope, key, value, secret)
	     SELECT id, 'app', 'TOKEN', 'topsecret', true FROM deployments WHERE name = 'd-101'`);
	diag('checks claimed while seeding (expect none): ' +
	     sql(`SELECT count(*) FROM deployments WHERE checked_at < now() + interval '1 hour' OR checked_at IS NULL`));

	// Before the first page arrives there is no "Load more" and no summary:
	// the project's answer (the role) redraws the list, and once redrew an
	// empty one with its button in view; the observer's stale entry then
	// read a second page as soon as the first one had come (CI: 200 rows).
	{
		const p0 = await newPage();
		let release;
		const held = new Promise((r) => { release = r; });
		const lists = [];
		await p0.route((u) => u.pathname === '/api/v1/deployments', async (route) => {
			lists.push(route.request().url());
			if (lists.length === 1) await held;
			await route.continue();
		});
		await p0.goto(BASE + '/');
		ok(await until(async () => lists.length === 1 && (await p0.textContent('#whoami')) !== '', 10),
			'a first page on its way, the role known');
		ok(await p0.locator('.more-btn').isHidden(), 'no "Load more" before the first page');
		is(await p0.textContent('#summary'), '', 'and no summary yet (not "No deployments yet")');
		release();
		await p0.waitForFunction(() => document.querySelectorAll('.row').length >= 100);
		// two frames: whatever the observer saw has been delivered
		await p0.evaluate(() => new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r))));
		is(await p0.locator('.row').count(), 100, 'then the first page: 100 rows');
		is(lists.length, 1, 'and no second page read without scrolling', lists.join(' '));
		await p0.close();
	}

	const page = await newPage();
	const t0 = Date.now();
	await page.goto(BASE + '/');
	await page.waitForSelector('.row');
	diag(`first render with 1,003 deployments: ${Date.now() - t0} ms`);
	const rows = page.locator('.row');
	// the page settles first: live (not polling, no resync on its way) and
	// the first page read (the summary counts the rows it holds)
	const settled = await until(async () => (await page.textContent('#conn')).includes('Live') &&
		(await page.textContent('#summary')).startsWith('100 deployments shown'), 10);
	const names0 = await page.locator('.r-name').allTextContents();
	is(await rows.count(), 100, 'the first page shows 100 rows');
	if (!settled || names0.length !== 100)
		console.error(`# the first page: ${names0.length} rows (${names0.slice(0, 3).join(',')} … ${names0.slice(-3).join(',')}),` +
			` summary "${await page.textContent('#summary')}", connection "${await page.textContent('#conn')}",` +
			` script errors: ${page.errors.join(' | ') || 'none'}`);
	ok((await page.textContent('#summary')).includes('more below'), 'and says there are more');
	const names = await page.locator('.r-name').allTextContents();
	is(names.slice(0, 3).join(','), 'd-1,d-10,d-100', 'sorted by name');
	await page.locator('.more-btn').scrollIntoViewIfNeeded();
	ok(await until(async () => (await rows.count()) >= 200, 10), 'scrolling down loads the next page', await rows.count());
	ok(!(await page.textContent('#rows')).includes('old-1'), 'archived deployments are not among the active ones');

	// a row: badge, tag, overrides (first few, then expand), times, who
	const d100 = page.locator('.row[data-name="d-100"]');
	is(await d100.locator('.chip').count(), 3, 'the first three overrides are shown');
	await d100.locator('button.more').click();
	is(await d100.locator('.chip').count(), 6, '"+3 more" shows them all');
	is(await d100.locator('button.more').getAttribute('aria-expanded'), 'true', 'and says it is expanded');
	ok((await page.locator('.row[data-name="d-101"] .chip').textContent()).includes('•••••') &&
		!(await page.textContent('#rows')).includes('topsecret'), 'a secret value is never shown');
	const t = page.locator('.row[data-name="d-1"] time').first();
	ok(/ago|just now/.test(await t.textContent()) && (await t.getAttribute('title')).includes('Z)'), 'times are relative, exact on hover');
	ok((await page.textContent('.row[data-name="d-1"] .r-meta')).includes('by seed'), 'who changed it');

	// search (the API's q): name, tag, key, value
	const search = async (q) => {
		await page.fill('#search', q);
		await page.waitForFunction((q) => document.getElementById('summary').textContent.includes(`“${q}”`), q);
		return page.locator('.r-name').allTextContents();
	};
	let got = await search('d-99');
	is(got.length, 11, 'searching d-99 finds 11');
	ok(got.every((n) => n.includes('d-99')), 'all of them match', got);
	is((await search('special-tag')).join(), 'tagged', 'search by tag');
	is((await search('needle_key')).join(), 'd-500', 'search by key, any case');
	is((await search('haystack3')).join(), 'd-100', 'search by value');
	is((await search('topsecret')).length, 0, 'a secret value is not searchable');
	ok((await page.textContent('#summary')).includes('No deployment'), 'no match says so');
	ok(page.url().includes('q=topsecret'), 'the search is in the address (a link can be shared)');
	// typed key by key, faster than the server answers: the list ends on
	// the whole text, with one search request on its way at a time
	await page.fill('#search', '');
	await page.waitForFunction(() => !document.getElementById('summary').textContent.includes('“'));
	let inFlight = 0, most = 0, sent = 0;
	const onReq = (r) => { if (r.url().includes('/api/v1/deployments?')) { sent++; most = Math.max(most, ++inFlight); } };
	const onDone = (r) => { if (r.url().includes('/api/v1/deployments?')) inFlight--; };
	page.on('request', onReq); page.on('requestfinished', onDone); page.on('requestfailed', onDone);
	await page.locator('#search').pressSequentially('haystack3', { delay: 0 });
	await page.waitForFunction(() => document.getElementById('summary').textContent.includes('“haystack3”'));
	await page.waitForTimeout(300);
	page.off('request', onReq); page.off('requestfinished', onDone); page.off('requestfailed', onDone);
	is((await page.locator('.r-name').allTextContents()).join(), 'd-100', 'fast typing ends on the whole text');
	ok(most === 1 && sent >= 1 && sent < 9, 'one search request at a time, not one per key', { most, sent });

	// status filter
	await page.fill('#search', '');
	await page.selectOption('#status-filter', 'Failure');
	await page.waitForFunction(() => document.getElementById('summary').textContent.includes('Failure'));
	got = await page.locator('.r-name').allTextContents();
	is(got.join(), 'zz-fail', 'the status filter shows only failures');
	ok((await page.textContent('.row[data-name="zz-fail"] .badge')).includes('PartialAvailability'), 'with the reason');
	await page.selectOption('#status-filter', '');
	await page.fill('#search', 'd-1');
	await page.selectOption('#status-filter', 'Running');
	await page.waitForFunction(() => /Running/.test(document.getElementById('summary').textContent));
	ok((await page.locator('.r-name').count()) >= 100, 'search and filter together');

	// the archived section
	await page.fill('#search', '');
	await page.click('button.tab:has-text("Archived")');
	await page.waitForFunction(() => /archived deployment/.test(document.getElementById('summary').textContent));
	is((await page.locator('.r-name').allTextContents()).join(), 'old-1', 'the archived section holds the archived one');
	ok(await page.locator('.row[data-name="old-1"] button:has-text("Restore")').isVisible(), 'with Restore');
	await page.click('button.tab:has-text("Active")');
	await page.waitForSelector('.row[data-name="d-1"]');

	// sorting
	await page.selectOption('#sort', 'name:desc');
	await page.waitForFunction(() => document.querySelector('.r-name')?.textContent === 'zz-fail');
	ok(true, 'sorting by name, descending');
	await page.selectOption('#sort', 'name:asc');
	await page.waitForFunction(() => document.querySelector('.r-name')?.textContent === 'd-1');

	// a change elsewhere appears in place, without a reload
	const marker = await page.evaluate(() => { window.__same = true; return 1; });
	sql(`WITH u AS (UPDATE deployments SET status = 'Failure', failure_reason = 'GenericFailure', version = version + 1
	     WHERE name = 'd-1' RETURNING name, status, version, failure_reason)
	     SELECT pg_notify('octopod_events', json_build_object('type', 'deployment', 'name', name, 'status', status,
	       'version', version, 'busy', false, 'failure_reason', failure_reason)::text) FROM u`);
	const t1 = Date.now();
	ok(await until(async () => (await page.textContent('.row[data-name="d-1"] .badge')).includes('GenericFailure'), 10), 'a status change shows up in the row');
	diag(`shown after ${Date.now() - t1} ms (${await page.textContent('#conn')})`);
	ok(await page.evaluate(() => window.__same === true), 'without reloading the page', marker);

	// screenshots, light and dark
	await page.evaluate(() => { document.activeElement.blur(); window.scrollTo(0, 0); });
	await page.screenshot({ path: `${VAR}/screenshots/list-light.png` });
	await page.emulateMedia({ colorScheme: 'dark' });
	await page.screenshot({ path: `${VAR}/screenshots/list-dark.png` });
	await page.emulateMedia({ colorScheme: 'light' });
	await page.setViewportSize({ width: 390, height: 844 });
	await page.screenshot({ path: `${VAR}/screenshots/list-phone.png` });
	const wide = await page.evaluate(() => document.documentElement.scrollWidth);
	ok(wide <= 390, 'nothing sticks out sideways on a phone', wide);
	await page.setViewportSize({ width: 1280, height: 860 });

	// the server goes away and comes back: said plainly, then resynced
	// (the notifier stops for good: the page must fall back to polling)
	if (process.env.NOTIFIER_PID) process.kill(Number(process.env.NOTIFIER_PID), 'SIGTERM');
	await page.route('**/api/v1/**', (r) => r.abort());
	ok(await until(async () => (await page.textContent('#conn')).includes('Offline'), 12), 'losing the server shows Offline');
	ok(await page.locator('#banner').isVisible(), 'with a sentence saying what it means');
	sql(`UPDATE deployments SET tag = 'v9', version = version + 1 WHERE name = 'd-10'`);
	await page.unroute('**/api/v1/**');
	ok(await until(async () => (await page.textContent('#toasts')).includes('Back online'), 12), 'coming back says it was offline');
	ok(await page.locator('#banner').isHidden(), 'the banner goes away');
	ok(await until(async () => (await page.textContent('.row[data-name="d-10"] .tag')).includes('v9'), 8), 'and what changed meanwhile is shown');
	is(page.errors.length, 0, 'no script errors', page.errors.join('\n'));
});
