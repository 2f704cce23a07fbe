// Signing in at the test identity provider (t/lib/glewlwyd.sh's glewlwyd)
// from a browser test, and checking its ID tokens. Needs only the IDP_*
// variables idp_start exports (not the stack: this file does not import
// lib.mjs).
//
//	idpLogin(page, user, password, { timeout })
//		the page is on (or on its way to) glewlwyd's login page, as
//		after octopod-c redirected it there: type the login and the
//		password, press OK, then "Continue" (the users granted openid
//		to both clients in idp_start, so no consent page follows);
//		resolves to the URL the browser left glewlwyd for (the
//		client's redirect URI with ?state=…&code=…), once the page
//		is there (or failed to load it). If glewlwyd
//		already has a session for this user it only presses
//		"Continue"; for another user it signs that one out first.
//		Throws, with glewlwyd's message, if the page stays at the IdP
//		(a wrong password, say).
//	IDP_USERS	{ alice: { name, email, group, password }, vera, adam }
//	verifyIdToken(jwt, jwks)
//		{ header, payload } when the RS256 signature verifies with the
//		JWKS's key of the token's kid (node's crypto); throws otherwise.
//		It checks the signature only: iss, aud, exp, nonce are the
//		caller's to check.
//
// As a command (for shell tests):
//	node t/ui/idp.mjs verify JWKS_FILE <ID_TOKEN
//		prints the payload (JSON) and exits 0 when the signature
//		verifies; a message on stderr and exit 1 otherwise.
import { createPublicKey, verify } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const env = process.env;
export const IDP_URL = env.IDP_URL;
export const IDP_ISSUER = env.IDP_ISSUER;
export const IDP_USERS = {
	alice: { name: 'Alice Deployer', email: 'alice@example.test', group: env.IDP_DEPLOYERS_GROUP, password: env.IDP_ALICE_PASSWORD },
	vera: { name: 'Vera Viewer', email: 'vera@example.test', group: env.IDP_VIEWERS_GROUP, password: env.IDP_VERA_PASSWORD },
	adam: { name: 'Adam Admin', email: 'adam@example.test', group: env.IDP_ADMINS_GROUP, password: env.IDP_ADAM_PASSWORD },
};

const onIdp = (url) => IDP_URL && String(url).startsWith(IDP_URL + '/');
const CONTINUE = 'button[title="Continue to client application"]';

export async function idpLogin(page, user, password, { timeout = 20000 } = {}) {
	if (!IDP_URL) throw new Error('idpLogin: IDP_URL is not set (idp_start in t/lib/glewlwyd.sh)');
	if (password === undefined && IDP_USERS[user]) password = IDP_USERS[user].password;
	const end = Date.now() + timeout;
	const left = () => Math.max(1, end - Date.now());
	await page.waitForURL((u) => onIdp(u) && new URL(u).pathname.endsWith('/login.html'), { timeout: left() });
	// the React app shows the form, or (a session of glewlwyd's already)
	// "Hello NAME" and Continue
	const form = page.locator('#username');
	const cont = page.locator(CONTINUE);
	await form.or(cont).first().waitFor({ timeout: left() });
	if (await cont.isVisible()) {
		const hello = await page.locator('.card-body h4').first().textContent().catch(() => '');
		const want = IDP_USERS[user] ? IDP_USERS[user].name : user;
		if (!String(hello).includes(want)) {
			// another person's session: sign it out, the form comes back
			await page.locator('.card-footer button.btn-danger').first().click();
			await form.waitFor({ timeout: left() });
		}
	}
	if (await form.isVisible()) {
		await form.fill(user);
		await page.locator('#password').fill(password);
		await page.locator('#loginbut').click();
		// Continue once glewlwyd accepted the password; its message otherwise
		const err = page.locator('.toast-body, .alert-danger, .modal-body li');
		await cont.or(err).first().waitFor({ timeout: left() });
		if (!(await cont.isVisible())) {
			const msg = (await err.allTextContents()).join(' ').trim();
			throw new Error(`idpLogin: glewlwyd did not accept ${user}: ${msg || 'no message'}`);
		}
	}
	// the URL of the navigation that leaves glewlwyd (glewlwyd's redirect:
	// page.url() would say chrome-error:// if nothing answers there)
	const leaving = page.waitForRequest((r) => r.isNavigationRequest() && !onIdp(r.url()) &&
		r.frame() === page.mainFrame(), { timeout: left() });
	await cont.click();
	const url = (await leaving).url();
	await page.waitForURL((u) => !onIdp(u), { timeout: left() });
	return url;
}

export function verifyIdToken(jwt, jwks) {
	const parts = String(jwt).trim().split('.');
	if (parts.length !== 3) throw new Error('not a compact JWS');
	const header = JSON.parse(Buffer.from(parts[0], 'base64url'));
	if (header.alg !== 'RS256') throw new Error(`alg ${header.alg}, not RS256`);
	const jwk = (jwks.keys || []).find((k) => k.kid === header.kid);
	if (!jwk) throw new Error(`no key ${header.kid} in the JWKS`);
	const key = createPublicKey({ key: jwk, format: 'jwk' });
	const good = verify('RSA-SHA256', Buffer.from(`${parts[0]}.${parts[1]}`), key,
		Buffer.from(parts[2], 'base64url'));
	if (!good) throw new Error('the signature does not verify');
	return { header, payload: JSON.parse(Buffer.from(parts[1], 'base64url')) };
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
	const [cmd, jwksFile] = process.argv.slice(2);
	if (cmd !== 'verify' || !jwksFile) {
		console.error('usage: node t/ui/idp.mjs verify JWKS_FILE <ID_TOKEN');
		process.exit(2);
	}
	try {
		const { payload } = verifyIdToken(readFileSync(0, 'utf8'), JSON.parse(readFileSync(jwksFile, 'utf8')));
		console.log(JSON.stringify(payload));
	} catch (e) {
		console.error(`idp.mjs: ${e.message}`);
		process.exit(1);
	}
}
