#!/usr/bin/env bash
# issue 14, finding 7: override values refuse control characters other
# than TAB (400, the error naming the field), and octo escapes every
# non-printable byte it prints in text output (C0, DEL, C1, the bidi
# controls U+202A-U+202E and U+2066-U+2069), whatever reached the
# database before (older rows, links from an info script).
. "$(dirname "$0")/lib/octo.sh"

stack_start

# value V: a create whose one override has the JSON string V
create_with() {
	power POST deployments "{\"name\":\"$1\",\"tag\":\"v1\",\"app_overrides\":[{\"key\":\"K\",\"value\":\"$2\"}]}"
}
for v in 'title\u001b]0;pwned\u0007' '\u001b[2J' 'bell\u0007' 'del\u007f' \
    'c1\u0085' 'csi\u009b2J' 'cr\r' 'vt\u000b'; do
	create_with cc-bad "$v"
	t_is "$S $(j .error.code) $(j .error.details.field)" "400 invalid app_overrides[0]" \
	    "a value with $v is refused, naming the field"
	t_like "$(j .error.message)" "*value*" "its message says why ($v)"
done
t_is "$(sql "SELECT count(*) FROM deployments WHERE name = 'cc-bad'")" 0 "nothing was created"
create_with cc-tab 'a\tb'
t_is "$S" 202 "a TAB is allowed"
create_with cc-bidi 'abc\u202edef'
t_is "$S" 202 "bidi marks are text (allowed), octo shows them escaped"
power PATCH deployments/cc-tab '{"app_overrides":{"set":[{"key":"K","value":"x\u001b[31m"}]}}'
t_is "$S $(j .error.code)" "400 invalid" "an update with ESC is refused too"

# what older rows or an info script may hold: straight into the database
wait_status cc-tab Running >/dev/null
sql "UPDATE overrides SET value = E'esc\\x1b]0;pwned\\x07 clear\\x1b[2J c1\\u0085 del\\x7f bidi\\u202e\\u2066 ok\\tok' FROM deployments d WHERE d.id = deployment_id AND d.name = 'cc-tab'"
sql "UPDATE deployments SET links = jsonb_build_array(jsonb_build_object('name', E'app\\x1b[5m', 'url', E'https://x/\\u2067')) WHERE name = 'cc-tab'"

raw_ctl() { LC_ALL=C grep -c -P '[\x00-\x08\x0b-\x1f\x7f]|\xc2[\x80-\x9f]|\xe2\x80[\xaa-\xae]|\xe2\x81[\xa6-\xa9]' "$1"; }
t_octo 0 "octo info" info -n cc-tab
cp "$T_OUT" "$T_TMP/info.txt"
t_is "$(raw_ctl "$T_TMP/info.txt")" 0 "octo info prints no raw control or bidi character"
t_ok "it shows them escaped (TAB kept)" grep -qF \
    'K=esc\x1b]0;pwned\x07 clear\x1b[2J c1\u{0085} del\x7f bidi\u{202e}\u{2066} ok	ok' "$T_TMP/info.txt"
t_ok "links too" grep -qF 'app\x1b[5m: https://x/\u{2067}' "$T_TMP/info.txt"
t_octo 0 "octo list" list
t_is "$(raw_ctl "$T_OUT")" 0 "octo list prints no raw control character"
t_octo 0 "octo -o json info" -o json info -n cc-tab
t_is "$(jq -r '.deployment.app_overrides[0].value // .app_overrides[0].value' "$T_OUT")" \
    "$(sql "SELECT value FROM overrides o JOIN deployments d ON d.id = o.deployment_id WHERE d.name = 'cc-tab'")" \
    "JSON output keeps the value exact (escaped as JSON)"
t_is "$(raw_ctl "$T_OUT")" 0 "and has no raw control character either"
t_done
