#!/usr/bin/env bash
# Browser: the page knows the person's role and greys out what it may not
# do, saying why: a viewer cannot create (and the API refuses it when the
# page is bypassed), a deployer cannot delete for good, an admin can; each
# person's create is shown under their own name.
. "$(dirname "$0")/lib/ui.sh"
ui_before() {
	printf 'vera-secret-1\n' | "$T_ROOT/scripts/ui-user.sh" add -p vera viewer >/dev/null &&
	printf 'alice-secret-1\n' | "$T_ROOT/scripts/ui-user.sh" add -p alice deployer >/dev/null ||
	    stack_die "could not add the users"
	power POST deployments '{"name":"run1","tag":"v1"}'
	power POST deployments '{"name":"arch1","tag":"v1"}'
	wait_sql "SELECT count(*) FROM deployments WHERE status = 'Running'" 2 30 >/dev/null
	power POST deployments/arch1/archive
	wait_sql "SELECT status FROM deployments WHERE name = 'arch1'" Archived 30 >/dev/null ||
	    stack_die "arch1 did not become Archived"
	export VERA=vera:vera-secret-1 ALICE=alice:alice-secret-1
}
ui_run roles
