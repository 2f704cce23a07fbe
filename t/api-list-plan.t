#!/usr/bin/env bash
# A page of the list reads the page, also after many requests on each
# connection, with 1,000 deployments: a prepared statement settled there,
# after its fifth run, on a generic plan (its "$n IS NULL OR ..." tests
# unknown) that read every deployment for each page and sorted them (1.5
# ms of execution against 0.26), so the list runs unprepared, planned with
# its parameters (fcgi/resp_deployments.c).
FCGI_ARGS=-R
. "$(dirname "$0")/lib/stack.sh"
stack_start

# as bench/run.sh seeds them (bench-scale at 1,000 measured 1.97 ms a page)
sql "INSERT INTO deployments (name, tag, status, created_by, updated_by, checked_at)
     SELECT 'd-' || g, 'v' || (g % 50), CASE WHEN g % 37 = 0 THEN 'Failure' ELSE 'Running' END,
       'seed', 'seed', now() + interval '1 hour' FROM generate_series(1, 1000) g;
     INSERT INTO overrides (deployment_id, scope, key, value, secret)
     SELECT id, 'app', k, 'value-' || id, false FROM deployments,
       unnest(ARRAY['LOG_LEVEL', 'FEATURE_X', 'DB_POOL', 'REGION']) k;
     INSERT INTO overrides (deployment_id, scope, key, value, secret)
     SELECT id, 'deployment', k, 'dvalue-' || id, false FROM deployments,
       unnest(ARRAY['replicas', 'ingress.host']) k;
     INSERT INTO overrides (deployment_id, scope, key, value, secret)
     SELECT id, 'app', 'DB_PASSWORD', md5(id::text), true FROM deployments;
     INSERT INTO actions (deployment_id, deployment_name, kind, state, requested_by,
       exit_code, request, queued_at, started_at, finished_at)
     SELECT d.id, d.name, 'update', 'succeeded', 'seed', 0, '{}', now(), now(), now()
     FROM deployments d, generate_series(1, 20) h;
     ANALYZE" >/dev/null

# rows of deployments read, and scans of it (how we know the counts of
# the responders' backends have arrived: each page scans it once)
pread() { sql "SELECT coalesce(seq_tup_read, 0) + coalesce(idx_tup_fetch, 0) || ' ' ||
    coalesce(seq_scan, 0) + coalesce(idx_scan, 0) FROM pg_stat_user_tables WHERE relname = 'deployments'"; }
for order in asc desc; do
	read -r r0 s0 < <(pread)
	for i in $(seq 1 60); do
		curl -sS -o /dev/null --cacert "$OCTOPOD_VAR/tls/ca.pem" -u "$UI_CRED" \
		    "https://localhost:$UI_PORT/api/v1/deployments?archived=false&limit=50&order=$order"
	done
	# each backend reports its counts when idle, within about 10 s
	for i in $(seq 1 200); do
		read -r r1 s1 < <(pread)
		[ "$s1" -ge $((s0 + 60)) ] && break
		sleep 0.1
	done
	t_ok "the counts of 60 pages arrived (scans of deployments $s0 -> $s1)" test "$s1" -ge $((s0 + 60))
	t_ok "order=$order: 60 first pages of 50 among 1,000 read $(( (r1 - r0) / 60 )) deployments each (<= 100)" \
	    test $(( (r1 - r0) / 60 )) -le 100
done
ui GET 'deployments?archived=false&limit=50'
t_is "$S/$(j '.deployments|length')/$(j '.deployments[0].name')/$(j '.deployments[49].name')" \
    "200/50/$(sql "SELECT min(name) FROM deployments")/$(sql "SELECT name FROM deployments ORDER BY name OFFSET 49 LIMIT 1")" \
    "the page is the first 50 by name"
t_done
