/*
 * fcgi/queries.h: the responders' SQL, as named constants. Run only with
 * db_exec (PQexecParams) or, the hot reads in db.c stmts[], prepared
 * (db_exec_stmt); values always travel as parameters.
 */
#ifndef FCGI_QUERIES_H
#define FCGI_QUERIES_H

/*
 * A deployment as JSON columns; see dep_cols[] in deployments.c. The
 * overrides column is length-prefixed, not JSON (no parser, no escaping):
 * per override, ordered by scope and key, the scope's first letter, 't'
 * (secret: no value), 'x' (a default removed: no value) or 'f', then
 * "<bytes>:<key>", then for 'f' "<bytes>:<value>"; e.g.
 * "af9:LOG_LEVEL5:debugdt5:TOKEN".
 */
#define DEP_SELECT	DEP_COLUMNS " FROM deployments d"
#define DEP_COLUMNS \
	"SELECT d.name, d.tag, d.status, d.failure_reason," \
	" EXISTS (SELECT 1 FROM actions a WHERE a.deployment_id = d.id" \
	"  AND a.state IN ('queued', 'running')) AS busy," \
	" d.version, d.links::text," \
	" (SELECT coalesce(string_agg(left(o.scope, 1) || CASE WHEN o.deleted" \
	"  THEN 'x' || octet_length(o.key) || ':' || o.key WHEN o.secret" \
	"  THEN 't' || octet_length(o.key) || ':' || o.key" \
	"  ELSE 'f' || octet_length(o.key) || ':' || o.key ||" \
	"  octet_length(o.value) || ':' || o.value END, '' ORDER BY o.scope," \
	"  o.key), '') FROM overrides o WHERE o.deployment_id = d.id)," \
	" octopod_iso(d.created_at), octopod_iso(d.updated_at)," \
	" octopod_iso(d.archived_at), octopod_iso(d.status_changed_at)," \
	" octopod_iso(d.checked_at), d.created_by, d.updated_by," \
	" d.ttl, octopod_iso(d.expires_at), d.pinned, d.id"

#define SQL_DEP_BY_NAME		DEP_SELECT " WHERE d.name = $1"
/* why the last failing status check failed (sql/006), by name */
#define SQL_DEP_CHECK_FAILURE \
	"SELECT check_output, check_exit_code, octopod_iso(check_failed_at)" \
	" FROM deployments WHERE name = $1 AND check_failed_at IS NOT NULL"
#define SQL_DEP_LOCK \
	"SELECT d.id, d.status, d.version, d.tag," \
	" EXISTS (SELECT 1 FROM actions a WHERE a.deployment_id = d.id" \
	"  AND a.state IN ('queued', 'running'))" \
	" FROM deployments d WHERE d.name = $1 FOR UPDATE"

/*
 * The list: $1 statuses (text[] or NULL), $2 search text or NULL (a
 * substring of the name, the tag, an override key or a value that is not
 * secret, any case: d.search of sql/004_search.sql, trigram-indexed),
 * $3 archived (boolean or NULL), $4 cursor key, $5 cursor id, $6 limit.
 * The last column is the key the next cursor is made of.
 */
#define LIST_WHERE \
	" WHERE ($1::text[] IS NULL OR d.status = ANY ($1::text[]))" \
	" AND ($2::text IS NULL OR d.search LIKE '%' || replace(replace(" \
	"  replace(lower($2::text), '\\', '\\\\'), '%', '\\%'), '_', '\\_')" \
	"  || '%')" \
	" AND ($3::boolean IS NULL OR" \
	"  (d.status IN ('Archived', 'CleanupFailed')) = $3::boolean)"
#define LIST_SQL(key, type, cmp, dir) \
	DEP_COLUMNS ", (" key ")::text FROM deployments d" LIST_WHERE " AND ($4::text IS NULL OR (" key ", d.id) " cmp \
	" ($4::" type ", $5::bigint)) ORDER BY " key " " dir ", d.id " dir \
	" LIMIT $6"

/*
 * A search in name order (sql/009_search_first_page.sql): the page's ids
 * from deployment_search's index in name order, which holds the search
 * text and the status, tested there without reading a table and stopped
 * at the page's end (a search matching 1% of 100,000 deployments read
 * 1,111 rows for the 50 shown), then their columns. A deployment whose
 * search text is longer than SEARCH_SHORT bytes is not in that index: the
 * second branch finds it. Same rows, order and cursor key as
 * SQL_LIST_NAME_* (LIST_WHERE reads only d.status and d.search).
 */
#define SEARCH_SHORT	"2000"
#define SEARCH_BRANCH(len, cmp, dir) \
	"(SELECT d.id, d.name FROM deployment_search d" LIST_WHERE \
	" AND octet_length(d.search) " len \
	" AND ($4::text IS NULL OR (d.name, d.id) " cmp " ($4::text, $5::bigint))" \
	" ORDER BY d.name " dir ", d.id " dir " LIMIT $6)"
#define SEARCH_SQL(cmp, dir) \
	DEP_COLUMNS ", (d.name)::text FROM (" \
	SEARCH_BRANCH("<= " SEARCH_SHORT, cmp, dir) " UNION ALL " \
	SEARCH_BRANCH("> " SEARCH_SHORT, cmp, dir) ") s" \
	" JOIN deployments d ON d.id = s.id" \
	" ORDER BY d.name " dir ", d.id " dir " LIMIT $6"
#define SQL_SEARCH_NAME_ASC	SEARCH_SQL(">", "ASC")
#define SQL_SEARCH_NAME_DESC	SEARCH_SQL("<", "DESC")

/* the same filters, counted ($1..$3 as above) */
#define SQL_LIST_COUNT \
	"SELECT count(*) FROM deployments d" LIST_WHERE

#define SQL_LIST_NAME_ASC	LIST_SQL("d.name", "text", ">", "ASC")
#define SQL_LIST_NAME_DESC	LIST_SQL("d.name", "text", "<", "DESC")
#define SQL_LIST_CREATED_ASC	LIST_SQL("d.created_at", "timestamptz", ">", "ASC")
#define SQL_LIST_CREATED_DESC	LIST_SQL("d.created_at", "timestamptz", "<", "DESC")
#define SQL_LIST_UPDATED_ASC	LIST_SQL("d.updated_at", "timestamptz", ">", "ASC")
#define SQL_LIST_UPDATED_DESC	LIST_SQL("d.updated_at", "timestamptz", "<", "DESC")

/* $4 ttl in seconds (0: never expires), $5 pinned */
#define SQL_DEP_INSERT \
	"INSERT INTO deployments (name, tag, status, created_by, updated_by," \
	" ttl, expires_at, pinned)" \
	" VALUES ($1, $2, 'CreatePending', $3, $3, $4::integer," \
	"  CASE WHEN $4::integer > 0 THEN now() +" \
	"  make_interval(secs => $4::integer) END, $5::boolean)" \
	" ON CONFLICT (name) DO NOTHING RETURNING id"
/*
 * Expiry restarts from now on update and restore: $1 id, $2 new ttl
 * (NULL: keep).
 */
#define SQL_DEP_EXPIRY_RESET \
	"UPDATE deployments SET ttl = coalesce($2::integer, ttl)," \
	" expires_at = CASE WHEN coalesce($2::integer, ttl) > 0 THEN now() +" \
	"  make_interval(secs => coalesce($2::integer, ttl)) END," \
	" expiry_warned_at = NULL WHERE id = $1"
/* pin/unpin: $1 name, $2 pinned, $3 actor; returns the id */
#define SQL_DEP_PIN \
	"UPDATE deployments SET pinned = $2::boolean, version = version + 1," \
	" updated_at = now(), updated_by = $3 WHERE name = $1 RETURNING id"
#define SQL_OVERRIDE_UPSERT \
	"INSERT INTO overrides (deployment_id, scope, key, value, secret)" \
	" VALUES ($1, $2, $3, $4, $5)" \
	" ON CONFLICT (deployment_id, scope, key)" \
	" DO UPDATE SET value = EXCLUDED.value, secret = EXCLUDED.secret," \
	"  deleted = false"
/* a default's key removed (Octopod's deleted override): $1 id, $2 scope, $3 key */
#define SQL_OVERRIDE_REMOVE_DEFAULT \
	"INSERT INTO overrides (deployment_id, scope, key, value, secret, deleted)" \
	" VALUES ($1, $2, $3, '', false, true)" \
	" ON CONFLICT (deployment_id, scope, key)" \
	" DO UPDATE SET value = '', secret = false, deleted = true"
#define SQL_OVERRIDE_DELETE \
	"DELETE FROM overrides WHERE deployment_id = $1 AND scope = $2" \
	" AND key = $3"
#define SQL_OVERRIDES_ALL \
	"SELECT scope, key, value, secret, deleted FROM overrides" \
	" WHERE deployment_id = $1 ORDER BY scope, key"
/* $1 id, $2 new status (NULL: keep), $3 actor, $4 new tag (NULL: keep) */
#define SQL_DEP_CHANGE \
	"UPDATE deployments SET status = coalesce($2, status)," \
	" status_changed_at = CASE WHEN $2 IS NOT NULL AND $2 <> status" \
	"  THEN now() ELSE status_changed_at END," \
	" failure_reason = CASE WHEN $2 IS NOT NULL THEN NULL" \
	"  ELSE failure_reason END," \
	" tag = coalesce($4, tag), version = version + 1," \
	" updated_at = now(), updated_by = $3 WHERE id = $1" \
	" RETURNING version"
#define SQL_HISTORY_INSERT \
	"INSERT INTO status_history (deployment_id, deployment_name," \
	" from_status, to_status, reason, actor)" \
	" VALUES ($1, $2, $3, $4, $5, $6)"
#define SQL_DEP_DELETE	"DELETE FROM deployments WHERE id = $1"

/* An action as JSON columns; see act_cols[] in actions.c. */
#define ACT_SELECT \
	"SELECT a.id, a.deployment_name, a.kind, a.state, a.requested_by," \
	" a.exit_code, octopod_iso(a.queued_at), octopod_iso(a.started_at)," \
	" octopod_iso(a.finished_at), a.error, a.args_style," \
	" (extract(epoch FROM (a.finished_at - a.started_at)) * 1000)::bigint," \
	" a.output_bytes, a.request::text, a.argv::text," \
	" octopod_iso(a.output_removed_at), a.output_kept_s / 86400" \
	" FROM actions a"
/*
 * The end of a change of deployment $1 (named $2) in one statement: its
 * status_history row $8 -> $9 (none when $9 is NULL; reason the kind $3,
 * actor $4), the action $3 queued with the request $5, and the events in
 * this order: "action" on $6, the id on $7 (the runners' queue), then
 * "deployment" on $6 (busy: it has the queued action now). The events as
 * events.c writes them (row_to_json, as json_dumps(JSON_COMPACT)).
 */
#define SQL_ACTION_QUEUE \
	"WITH h AS (INSERT INTO status_history (deployment_id, deployment_name," \
	" from_status, to_status, reason, actor) SELECT $1::bigint, $2::text," \
	" $8::text, $9::text, $3::text, $4::text WHERE $9::text IS NOT NULL)," \
	" a AS (INSERT INTO actions (deployment_id, deployment_name, kind," \
	" requested_by, request) VALUES ($1, $2, $3, $4, $5::jsonb)" \
	" RETURNING id, deployment_name, kind, state, exit_code)" \
	" SELECT a.id, pg_notify($6, (SELECT row_to_json(e)::text FROM" \
	" (SELECT a.id, a.deployment_name AS deployment, a.kind, a.state," \
	" a.exit_code, 'action' AS type) e)), pg_notify($7, a.id::text)," \
	" pg_notify($6, (SELECT row_to_json(e)::text FROM (SELECT d.name," \
	" d.status, d.version, true AS busy, d.failure_reason," \
	" 'deployment' AS type FROM deployments d WHERE d.id = $1) e))" \
	" FROM a"
#define SQL_ACTION_BY_ID	ACT_SELECT " WHERE a.id = $1"
#define SQL_ACTIONS_OF \
	ACT_SELECT " WHERE a.deployment_name = $1" \
	" AND ($2::bigint IS NULL OR a.id < $2::bigint)" \
	" ORDER BY a.id DESC LIMIT $3"
#define SQL_OUTPUT \
	"SELECT seq, stream, data, octopod_iso(at) FROM action_output" \
	" WHERE action_id = $1 AND seq > $2 ORDER BY seq LIMIT $3"
/*
 * The output sweep (retention.c): the output of at most $2 actions
 * finished more than $1 seconds ago removed, each action marked with when
 * and under which retention. Rows are taken with SKIP LOCKED (several
 * runners); one short transaction a batch.
 */
#define SQL_OUTPUT_SWEEP \
	"WITH a AS (SELECT id FROM actions WHERE output_removed_at IS NULL" \
	" AND finished_at IS NOT NULL AND finished_at < now() -" \
	" make_interval(secs => $1::double precision)" \
	" ORDER BY finished_at LIMIT $2 FOR UPDATE SKIP LOCKED)," \
	" o AS (DELETE FROM action_output x USING a WHERE x.action_id = a.id)" \
	" UPDATE actions t SET output_removed_at = now()," \
	" output_kept_s = $1::integer FROM a WHERE t.id = a.id"
/* an action's output endpoint: running?, and whether its output is gone */
#define SQL_OUTPUT_STATE \
	"SELECT state IN ('queued', 'running'), octopod_iso(output_removed_at)," \
	" output_kept_s / 86400 FROM actions WHERE id = $1"
#define SQL_HISTORY \
	"SELECT from_status, to_status, reason, actor, octopod_iso(at), id" \
	" FROM status_history WHERE deployment_name = $1" \
	" AND ($2::bigint IS NULL OR id > $2::bigint) ORDER BY id LIMIT $3"
#define SQL_EXISTS_NAME \
	"SELECT 1 FROM deployments WHERE name = $1 UNION ALL" \
	" SELECT 1 FROM actions WHERE deployment_name = $1 LIMIT 1"

/* clean_archive: $1 older than (seconds) */
#define SQL_CLEAN_CANDIDATES \
	"SELECT d.id, d.name, d.status FROM deployments d" \
	" WHERE d.status = 'Archived'" \
	" AND d.archived_at < now() - make_interval(secs => $1::double precision)" \
	" AND NOT EXISTS (SELECT 1 FROM actions a WHERE a.deployment_id = d.id" \
	"  AND a.state IN ('queued', 'running'))" \
	" ORDER BY d.archived_at FOR UPDATE OF d SKIP LOCKED"

#endif
