#!/usr/bin/env bash
# Browser (headless Chromium) with UI_AUTH=oidc against a real identity
# provider (t/lib/glewlwyd.sh): the page sends a person to sign in, alice
# signs in at the IdP's own login page and comes back signed in as herself
# (name, role, Sign out; a Secure, HttpOnly, SameSite=Lax cookie the page's
# script cannot read; live updates through the websocket), creates a
# deployment recorded as alice; when her session expires the page sends her
# to sign in again; Sign out ends the session; vera (viewer) finds New
# deployment disabled and is refused by the API; adam (admin) deletes an
# archived deployment for good.
. "$(dirname "$0")/lib/ui.sh"
. "$T_ROOT/t/lib/glewlwyd.sh"
idp_start "https://localhost:$UI_PORT/api/v1/auth/callback"
idp_stack_env
ui_before() {
	[ "$IDP_REDIRECT_URI" = "https://localhost:$UI_PORT/api/v1/auth/callback" ] ||
	    stack_die "nginx moved to another port than the IdP's redirect URI"
	power POST deployments '{"name":"arch1","tag":"v1"}'
	wait_sql "SELECT status FROM deployments WHERE name = 'arch1'" Running 30 >/dev/null
	power POST deployments/arch1/archive
	wait_sql "SELECT status FROM deployments WHERE name = 'arch1'" Archived 30 >/dev/null ||
	    stack_die "arch1 did not become Archived"
}
ui_run oidc
