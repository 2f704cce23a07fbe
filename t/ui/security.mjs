// t/security-ui.t: the UI under the doors' strict CSP, and info links:
// only http(s) ones become anchors (issue 14, finding 9).
import { newPage, BASE, main, ok, is, sql, until, pageFetch } from './lib.mjs';

await main(async () => {
	const page = await newPage();
	const violations = [];
	page.on('console', (m) => { if (/Content.Security.Policy/i.test(m.text())) violations.push(m.text()); });
	const resp = await page.goto(BASE + '/');
	ok((resp.headers()['content-security-policy'] || '').includes("default-src 'self'"), 'the page is served with the CSP');
	await page.evaluate(() => {
		window.__csp = [];
		document.addEventListener('securitypolicyviolation', (e) => window.__csp.push(e.violatedDirective + ' ' + e.blockedURI));
	});
	const created = (await pageFetch(page, 'POST', 'deployments', { name: 'sec-ui', tag: 'v1' })).status;
	is(created, 202, 'a create from the page works under the CSP');
	ok(await until(() => sql("SELECT status FROM deployments WHERE name='sec-ui'") === 'Running', 20), 'sec-ui is Running');
	sql(`UPDATE deployments SET links = '[{"name":"js","url":"javascript:alert(1)"},{"name":"data","url":"data:text/html,<b>x</b>"},{"name":"web","url":"https://sec-ui.example.test/"},{"name":"plain","url":"http://sec-ui.example.test/"}]' WHERE name = 'sec-ui'`);

	for (const route of ['/#/deployments/sec-ui', '/#/?q=sec-ui']) {
		await page.goto(BASE + route);
		await until(async () => (await page.locator('.links').count()) > 0);
		const hrefs = await page.locator('.links a').evaluateAll((as) => as.map((a) => a.getAttribute('href')));
		is(JSON.stringify(hrefs.sort()), JSON.stringify(['http://sec-ui.example.test/', 'https://sec-ui.example.test/']),
		    `${route}: only the http(s) links are anchors`);
		const text = await page.locator('.links').first().textContent();
		ok(text.includes('js') && text.includes('data'), `${route}: the others are shown as text`, text);
	}
	ok(await until(() => page.evaluate(() => document.querySelector('#conn') !== null)), 'the live connection indicator is there');
	const csp = await page.evaluate(() => window.__csp || []);
	is(JSON.stringify(violations.concat(csp)), '[]', 'no CSP violation while the UI ran');
	is(JSON.stringify(page.errors), '[]', 'no page error');
});
