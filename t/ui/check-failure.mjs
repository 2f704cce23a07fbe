// t/ui-check-failure.t: the detail page says why the last check failed:
// the check's own words, the secret masked, its exit code.
import { newPage, BASE, main, ok, is, sql, until, pageFetch } from './lib.mjs';

await main(async () => {
	const page = await newPage();
	await page.goto(BASE + '/');
	const created = (await pageFetch(page, 'POST', 'deployments', { name: 'cf-ui', tag: 'v1', app_overrides: [{ key: 'PW', value: 'pw-ui-4242', secret: true }] })).status;
	is(created, 202, 'set up: cf-ui created');
	ok(await until(() => sql("SELECT status FROM deployments WHERE name='cf-ui'") === 'Failure', 30), 'set up: its check fails');
	await page.goto(BASE + '/#/deployments/cf-ui');
	const box = page.locator('#check-failure');
	ok(await until(async () => (await box.count()) === 1, 15), 'the detail page has a "Last failed check" section');
	const text = await box.textContent();
	ok(text.includes('tag mismatch: serving v9 (password ***)'), "it shows the check's own words, the secret masked", text);
	ok(!text.includes('pw-ui-4242'), 'not the secret value', text);
	ok(text.includes('exit code 3'), 'and the exit code', text);
});
