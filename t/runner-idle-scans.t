#!/bin/bash
# An idle runner beside many deployments reads none of them whole: its
# rounds' question (when the first check or expiry falls due), the check
# claim and the expiry sweeps go through their indexes, so their cost does
# not grow with the number of deployments (sql/008; fcgi/run_expiry.c's
# warning query compares expires_at itself). Seen in pg_stat_user_tables: no sequential scan of deployments
# while the runner claims, idle, for several seconds.
. "$(dirname "$0")/lib/runner.sh"
pg_start
script check <<'S'
#!/bin/sh
exit 0
S
# 20,000 deployments checked a moment ago (none due for an hour), each with
# a ttl ten days off (none to warn about), and 500 archived
q "INSERT INTO deployments (name, tag, status, created_by, updated_by,
     checked_at, expires_at)
   SELECT 'd' || g, 'v1', 'Running', 's', 's', now() + interval '1 hour',
     now() + interval '10 days' FROM generate_series(1, 20000) g;
   INSERT INTO deployments (name, tag, status, created_by, updated_by,
     archived_at)
   SELECT 'a' || g, 'v1', 'Archived', 's', 's', now()
   FROM generate_series(1, 500) g;
   ANALYZE deployments" >/dev/null
# "seq_tup_read idx_scan(check_due) idx_tup_read(expires)" of deployments
stat() {
	q "SELECT coalesce((SELECT seq_tup_read FROM pg_stat_user_tables
	      WHERE relname = 'deployments'), -1) || ' ' ||
	    coalesce((SELECT idx_scan FROM pg_stat_user_indexes
	      WHERE indexrelname = 'deployments_check_due'), -1) || ' ' ||
	    coalesce((SELECT idx_tup_read FROM pg_stat_user_indexes
	      WHERE indexrelname = 'deployments_expires'), -1)"
}
export STATUS_CHECK_INTERVAL=1 EXPIRY_WARNING=3600
# every statement the runner runs, in the server's log
q "ALTER DATABASE postgres SET log_min_duration_statement = 0" >/dev/null
runner_start
# let the runner settle (it asks at once), then count for 3 of its rounds
# (ROUND_MAX apart, 5 s, with nothing due)
for _ in $(seq 1 100); do
	[ "$(stat | cut -d' ' -f2)" -ge 1 ] && break
	sleep 0.1
done
read -r seq0 due0 exp0 <<<"$(stat)"
for _ in $(seq 1 300); do
	read -r seq1 due1 exp1 <<<"$(stat)"
	[ "$due1" -ge $((due0 + 3)) ] && break
	sleep 0.1
done
ok $([ "$due0" -ge 0 ] && [ "$due1" -ge $((due0 + 3)) ]; echo $?) \
    "the round's question went through deployments_check_due ($due0 -> $due1)"
is "$((seq1 - seq0))" 0 "no row of the 20,500 deployments read by a sequential scan meanwhile"
ok $([ "$exp0" -ge 0 ] && [ $((exp1 - exp0)) -lt 200 ]; echo $?) \
    "the expiry sweeps read few index entries ($((exp1 - exp0)), not 20,000 a second)"
is "$(q "SELECT count(*) FROM deployments WHERE expiry_warned_at IS NOT NULL")" 0 \
    "none warned (ten days off)"
# nothing due: one question (SQL_RUNNER_DUE) a round, not the claim and
# the two expiry statements, each planned afresh; and the rounds come
# ROUND_MAX apart, not each second (a round also follows each claim of
# queued actions, every 5 s: the two may fall close together)
asked=$(grep -c 'execute runner_due' "$T/sock/pg.log")
ok $([ "$asked" -ge 2 ]; echo $?) "the runner asked what is due ($asked times)"
span=$(grep 'execute runner_due' "$T/sock/pg.log" | awk '{ split($2, t, ":"); s = t[1] * 3600 + t[2] * 60 + t[3]
	if (NR == 1) f = s; l = s } END { printf "%.1f", l - f }')
ok $(awk -v a="$asked" -v s="$span" 'BEGIN { exit !(s / (a - 1) >= 2) }'; echo $?) \
    "its rounds came seconds apart, not each second ($asked in $span s)"
is "$(grep -cE 'execute (check_claim|expiry_due|expiry_warn)' "$T/sock/pg.log")" 0 \
    "and, nothing being due, claimed no check and swept nothing"
done_testing
