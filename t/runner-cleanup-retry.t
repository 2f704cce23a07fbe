#!/bin/bash
# A cleanup whose end cannot be written at first (the DELETE of the
# deployment fails: a trigger stands in for a database error) is retried
# until it can: the row goes, the history says Removed, one
# deployment_removed event, and nothing leaks on the failed tries (the
# sanitizer run's LeakSanitizer reads the runner's log at exit).
. "$(dirname "$0")/lib/runner.sh"
pg_start
script cleanup <<'S'
#!/bin/sh
exit 0
S
script check <<'S'
#!/bin/sh
exit 0
S
q "CREATE TABLE removed_events (payload text);
   CREATE FUNCTION no_delete() RETURNS trigger LANGUAGE plpgsql AS
     \$\$BEGIN RAISE EXCEPTION 'deletes are held by the test'; END\$\$;
   CREATE TRIGGER hold_delete BEFORE DELETE ON deployments
     FOR EACH ROW EXECUTE FUNCTION no_delete();" >/dev/null
dep gone Archived >/dev/null
runner_start
# listen for the events while the runner works
{ echo "LISTEN octopod_events;"
  for _ in $(seq 1 600); do echo "SELECT pg_sleep(0.1);"; done; } |
    psql -X -q -A -t "$DATABASE_URL" >"$T/listen.out" 2>&1 &
LISTENER=$!
a=$(queue gone cleanup)
for _ in $(seq 1 100); do
	grep -q "deletes are held by the test" "$T/runner.log" && break
	sleep 0.1
done
grep -q "deletes are held by the test" "$T/runner.log"
ok $? "the failed DELETE is logged"
is "$(status_of gone)" "Archived" "while it fails, the deployment stays"
# let a few more tries fail, each of them with an event made and dropped
for _ in $(seq 1 100); do
	[ "$(grep -c 'deletes are held by the test' "$T/runner.log")" -ge 3 ] && break
	sleep 0.1
done
q "DROP TRIGGER hold_delete ON deployments" >/dev/null
is "$(wait_for "SELECT count(*) FROM deployments WHERE name = 'gone'" 0)" 0 \
    "once the DELETE can run, the retry removes the row"
is "$(wait_for "SELECT state FROM actions WHERE id = $a" succeeded)" succeeded \
    "the cleanup action succeeded"
is "$(q "SELECT count(*) FROM status_history WHERE deployment_name = 'gone'
    AND to_status = 'Removed'")" 1 "one Removed in the history"
for _ in $(seq 1 100); do
	grep -q '"type":"deployment_removed"' "$T/listen.out" && break
	sleep 0.1
done
sleep 0.5	# room for a second event, which must not come
kill "$LISTENER" 2>/dev/null
wait "$LISTENER" 2>/dev/null
is "$(grep -c '"type":"deployment_removed"' "$T/listen.out")" 1 \
    "one deployment_removed event"
done_testing
