// t/oidc-idp.t's browser step: headless Chromium opens glewlwyd's
// authorization URL (argv[2]), signs in with idpLogin as argv[3] (password
// argv[4]), and prints the redirect URL it ends on (the redirect URI's host
// does not exist: the page fails to load it, its URL is what counts).
import { chromium } from 'playwright-core';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { idpLogin } from './idp.mjs';

const [authUrl, user, password] = process.argv.slice(2);
const dir = mkdtempSync(join(tmpdir(), 'octopod-chromium-'));
let ctx, rc = 0;
try {
	ctx = await chromium.launchPersistentContext(dir, {
		executablePath: '/usr/bin/chromium',
		headless: true,
		args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking',
			'--disable-component-update', '--disable-sync', '--no-first-run'],
		ignoreHTTPSErrors: true,
	});
	const page = await ctx.newPage();
	await page.goto(authUrl);
	console.log(await idpLogin(page, user, password));
} catch (e) {
	console.error(String(e && e.message || e).split('\n')[0]);
	rc = 1;
} finally {
	try { if (ctx) await ctx.close(); } catch { /* gone */ }
	rmSync(dir, { recursive: true, force: true });
}
process.exit(rc);
