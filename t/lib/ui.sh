# t/lib/ui.sh: the wrapper of a browser test (t/ui-*.t): start the stack
# (t/lib/stack.sh), run t/ui/NAME.mjs with node (it prints TAP), keep its
# screenshots ($OCTOPOD_VAR/screenshots, copied to var/screenshots). A test
# may define ui_before: it runs once the stack is up, before the browser.
. "$(dirname "$0")/lib/stack.sh"

ui_run() {
	if [ ! -x /usr/bin/chromium ]; then
		echo "Bail out! /usr/bin/chromium is missing (make deps)"
		exit 1
	fi
	if [ ! -d "$T_ROOT/node_modules/playwright-core" ]; then
		(cd "$T_ROOT" && npm ci --no-audit --no-fund >/dev/null 2>&1) ||
		    { echo "Bail out! npm ci failed"; exit 1; }
	fi
	stack_start
	# a test's own setup on the running stack (users, deployments)
	[ "$(type -t ui_before)" = function ] && ui_before
	mkdir -p "$OCTOPOD_VAR/screenshots"
	NOTIFIER_PID=${NOTIFIER_PID:-}
	export UI_PORT OCTOPOD_VAR DATABASE_URL PGBIN NOTIFIER_PID
	local rc=0
	node "$T_ROOT/t/ui/$1.mjs" || rc=$?
	if ls "$OCTOPOD_VAR"/screenshots/*.png >/dev/null 2>&1; then
		mkdir -p "$T_ROOT/var/screenshots"
		cp "$OCTOPOD_VAR"/screenshots/*.png "$T_ROOT/var/screenshots/"
	fi
	exit $rc
}
