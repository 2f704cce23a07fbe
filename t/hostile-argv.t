#!/usr/bin/env bash
# Hostile override values (shell metacharacters, $(...), backticks,
# quotes, globs, option look-alikes, tabs, UTF-8) reach the control script
# byte-exact, each as one argv entry after its flag, on create and on
# update, secret or not; nothing they spell is executed (canary files).
# Hostile names, tags and keys are refused and change nothing.
CONTROL_SCRIPTS_DIR=$(cd "$(dirname "$0")" && pwd)/fixtures/argv
. "$(dirname "$0")/lib/stack.sh"
stack_start

C=$T_TMP/canary
V=(
	"\$(touch $C.1)"
	"\`touch $C.2\`"
	"; touch $C.3; echo"
	"| touch $C.4 && touch $C.5 || touch $C.6 &"
	"' \" \\ > $C.7 < /etc/passwd * ? ~ {a,b} \$HOME \$\$ !x # %s %n"
	"--name=evil"
	"a=b=c"
	"  spaced  "
	"tab	inside"
	"ünïcødé ✓ 𝄞"
	""
	"\$(IFS=_;cmd=touch_$C.8;\$cmd)"
)
# body: create with every value, in app and deployment overrides; one
# secret. Keys K00.. keep the order the scripts get (key order).
body=$(for i in "${!V[@]}"; do printf '%s\0' "${V[$i]}"; done |
    node -e '
	const v = require("fs").readFileSync(0).toString().split("\0").slice(0, -1);
	const ov = v.map((x, i) => ({ key: "K" + String(i).padStart(2, "0"), value: x }));
	ov[0].secret = true;
	process.stdout.write(JSON.stringify({ name: "hx", tag: "v1",
	    app_overrides: ov, deployment_overrides: ov.map(o => ({ key: o.key, value: o.value })) }));')
before=$(sql "SELECT (SELECT count(*) FROM deployments) || '/' || (SELECT count(*) FROM actions)")
power POST deployments "$body"
t_is "$S" 202 "create with hostile values: accepted"
t_is "$(wait_sql "SELECT status FROM deployments WHERE name = 'hx'" Running 20)" Running \
    "the create ran and the deployment is Running"

# has_pairs SCRIPT FLAG [SKIP]: whether SCRIPT's last argv holds FLAG,
# then Kii=V[i], for every value (but the SKIPth: the secret, which is
# in OCTOPOD_CONFIG_FILE, not in argv), byte-exact
has_pairs() {
	local f
	f=$(ls -t "$OCTOPOD_VAR"/argv/"$1".* 2>/dev/null | head -1)
	[ -n "$f" ] || { echo "no argv of $1"; return; }
	for i in "${!V[@]}"; do printf '%s\0' "${V[$i]}"; done |
	    node -e '
		const fs = require("fs");
		const v = fs.readFileSync(0).toString().split("\0").slice(0, -1);
		const a = fs.readFileSync(process.argv[1]).toString().split("\0").slice(0, -1);
		const flag = process.argv[2];
		const skip = process.argv[3] === undefined ? -1 : +process.argv[3];
		const bad = [];
		v.forEach((x, i) => {
			if (i === skip) return;
			const want = "K" + String(i).padStart(2, "0") + "=" + x;
			if (!a.some((y, j) => j > 0 && y === want && a[j - 1] === flag))
				bad.push(JSON.stringify(want));
		});
		if (a.includes("evil")) bad.push("a word of a value became an entry");
		console.log(bad.join(" "));' "$f" "$2" ${3:+"$3"}
}
t_is "$(has_pairs create --app-env-override 0)" "" "create: every app value is one argv entry, byte-exact"
t_is "$(has_pairs create --deployment-override)" "" "create: every deployment value too"
f=$(ls -t "$OCTOPOD_VAR"/argv/check.* 2>/dev/null | head -1)
t_is "$(tr '\0' '\n' <"$f" | grep -c -- -override)" 0 "check: no overrides in argv (as Octopod 1.x: --tag only)"
t_is "$(sql "SELECT argv::text LIKE '%\"--app-env-override\", \"K00=%'
    FROM actions WHERE deployment_name = 'hx' AND kind = 'create'")" f \
    "the secret is not in the stored argv (nor in the script's)"

# update: the same values, set again (reversed onto other keys)
upd=$(printf '%s' "$body" | jq -c '{app_overrides: {set: [.app_overrides[] |
    {key: ("U" + .key), value: .value}]}}')
power PATCH deployments/hx "$upd"
t_is "$S" 202 "update with hostile values: accepted"
wait_sql "SELECT count(*) FROM actions WHERE deployment_name = 'hx' AND kind = 'update'
    AND state = 'succeeded'" 1 20 >/dev/null
f=$(ls -t "$OCTOPOD_VAR"/argv/update.* 2>/dev/null | head -1)
t_is "$(for i in "${!V[@]}"; do printf '%s\0' "${V[$i]}"; done | node -e '
	const fs = require("fs");
	const v = fs.readFileSync(0).toString().split("\0").slice(0, -1);
	const a = fs.readFileSync(process.argv[1]).toString().split("\0").slice(0, -1);
	console.log(v.filter((x, i) => !a.includes("UK" + String(i).padStart(2, "0") + "=" + x)).length);' "$f")" \
    0 "update: every value one argv entry, byte-exact"

sleep 1	# a check or two more
t_is "$(ls "$T_TMP" | grep -c canary)" 0 "nothing a value spells was executed (no canary)"
t_is "$(ls "$OCTOPOD_VAR" | grep -c -E '^(evil|canary)')" 0 "no stray file in the var dir"

# refused: hostile names, tags and keys; nothing changes
n0=$(sql "SELECT (SELECT count(*) FROM deployments) || '/' || (SELECT count(*) FROM actions) || '/' || (SELECT count(*) FROM overrides)")
refuse() {	# refuse DESC BODY
	power POST deployments "$2"
	t_is "$S/$(j .error.code)" 400/invalid "refused: $1"
}
refuse 'name with $(...)' '{"name":"$(touch x)","tag":"v1"}'
refuse 'name with backticks' '{"name":"`id`","tag":"v1"}'
refuse 'name with a newline' '{"name":"a\nb","tag":"v1"}'
refuse 'name with a quote' "{\"name\":\"a'b\",\"tag\":\"v1\"}"
refuse 'tag with $(...)' '{"name":"ok","tag":"$(touch x)"}'
refuse 'tag with backticks' '{"name":"ok","tag":"`id`"}'
refuse 'tag with a ;' '{"name":"ok","tag":"v1;id"}'
refuse 'tag with a newline' '{"name":"ok","tag":"v1\nv2"}'
refuse 'tag like an option' '{"name":"ok","tag":"--name=evil"}'
refuse 'key with $(...)' '{"name":"ok","tag":"v1","app_overrides":[{"key":"$(id)","value":"1"}]}'
refuse 'key with =' '{"name":"ok","tag":"v1","app_overrides":[{"key":"A=B","value":"1"}]}'
refuse 'key like an option' '{"name":"ok","tag":"v1","app_overrides":[{"key":"--name","value":"1"}]}'
refuse 'key with a quote' "{\"name\":\"ok\",\"tag\":\"v1\",\"app_overrides\":[{\"key\":\"A'B\",\"value\":\"1\"}]}"
refuse 'value with a carriage return' '{"name":"ok","tag":"v1","app_overrides":[{"key":"A","value":"1\r2"}]}'
power PATCH deployments/hx '{"tag":"$(id)"}'
t_is "$S/$(j .error.code)" 400/invalid "refused: update to a tag with \$(...)"
power PATCH deployments/hx '{"app_overrides":{"unset":["`id`"]}}'
t_is "$S/$(j .error.code)" 400/invalid "refused: unset of a key with backticks"
t_is "$(sql "SELECT (SELECT count(*) FROM deployments) || '/' || (SELECT count(*) FROM actions) || '/' || (SELECT count(*) FROM overrides)")" \
    "$n0" "the refusals changed nothing"
t_is "$(ls "$T_TMP" | grep -c canary)" 0 "still no canary"
t_done
