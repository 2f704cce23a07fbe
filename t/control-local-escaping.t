#!/bin/sh
# Values full of shell and HTML syntax reach the local set's page intact:
# HTML-escaped in index.html, JSON-escaped in octopod.json, and nothing
# of them is ever executed.
. "$(dirname "$0")/lib/control.sh"
. "$(dirname "$0")/lib/local.sh"

N=esc-one
CANARY=$T_TMP/canary
NASTY="a b, \"q\" 'sq' \$(touch $CANARY) \`touch $CANARY\`; touch $CANARY & <script>x</script> \\ end"
TAG='v1;$(touch '"$CANARY"')'

t_ok "create with nasty values" local_run create $COMMON --name $N --tag "$TAG" \
    --app-env-override "NASTY=$NASTY" --deployment-override "K=V=W"
t_ok "nothing was executed" test ! -e "$CANARY"

page=$(fetch $N "")
t_like "$page" "*<td>NASTY</td><td>a b, &quot;q&quot; &#39;sq&#39; \$(touch $CANARY) \`touch $CANARY\`; touch $CANARY &amp; &lt;script&gt;x&lt;/script&gt; \\\\ end</td>*" \
    "index.html holds the value HTML-escaped"
t_like "$page" "*<code id=\"tag\">v1;\$(touch $CANARY)</code>*" "index.html holds the tag"
case $page in
*'<script>'*) t_result 1 "no raw <script> in the page" ;;
*) t_result 0 "no raw <script> in the page" ;;
esac
t_like "$page" "*<td>K</td><td>V=W</td>*" "only the first = splits key and value"

json=$(fetch $N octopod.json)
t_like "$json" "*\"value\": \"a b, \\\\\"q\\\\\" 'sq' \$(touch $CANARY) \`touch $CANARY\`; touch $CANARY & <script>x</script> \\\\\\\\ end\"*" \
    "octopod.json holds the value JSON-escaped"
if command -v jq >/dev/null 2>&1; then
	t_is "$(printf '%s' "$json" | jq -r '.app_overrides[0].value')" "$NASTY" \
	    "octopod.json parses back to the exact value"
	t_is "$(printf '%s' "$json" | jq -r '.tag')" "$TAG" "and to the exact tag"
fi

t_rc 0 "check matches the nasty tag" local_run check $COMMON --name $N --tag "$TAG"
t_rc 3 "check tells it from a near miss" local_run check $COMMON --name $N --tag "v1;\$(touch $CANARY"

# a line feed and a tab in a value stay inside one JSON string
LF='line one
	line two'
t_ok "update with a multi-line value" local_run update $COMMON --name $N --tag v2 \
    --app-env-override "ML=$LF"
t_like "$(fetch $N octopod.json)" '*"value": "line one\\n\\tline two"*' "control characters are JSON-escaped"
t_rc 0 "check after that" local_run check $COMMON --name $N --tag v2

t_ok "cleanup" local_run cleanup $COMMON --name $N
t_ok "still nothing was executed" test ! -e "$CANARY"
t_done
