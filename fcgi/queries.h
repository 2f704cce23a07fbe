/*
 * fcgi/queries.h: all of octopod-fcgi's SQL (responders, runner,
 * migrate), as named constants, each name once. Only db.c includes it:
 * each SQL_X is row STMT_X of its statement table, prepared once per
 * connection and run through db_exec/db_run; values always travel as
 * parameters. t/sql-home.t finds SQL text anywhere else in fcgi/.
 */
#ifndef FCGI_QUERIES_H
#define FCGI_QUERIES_H

/*
 * The events of docs/events.md, each shape built here once (as
 * row_to_json writes it, which is what json_dumps(JSON_COMPACT) would,
 * "type" first as in the events jansson builds) and sent by every
 * writer: the statements below that notify, and db_events.c for the rest.
 * EVENT_DEPLOYMENT(d, busy): deployment row d, busy the SQL that says
 * whether it has a queued or running action (DEP_BUSY(d), or "true"
 * where that action is inserted by the same statement and so not
 * visible to it). EVENT_ACTION(a): action row a.
 */
#define DEP_BUSY(d) \
	"EXISTS (SELECT 1 FROM actions a WHERE a.deployment_id = " d ".id" \
	" AND a.state IN ('queued', 'running'))"
#define EVENT_DEPLOYMENT(d, busy) \
	"(SELECT row_to_json(e)::text FROM (SELECT 'deployment' AS type," \
	" " d ".name, " d ".status, " d ".version, " busy " AS busy," \
	" " d ".failure_reason) e)"
#define EVENT_ACTION(a) \
	"(SELECT row_to_json(e)::text FROM (SELECT 'action' AS type, " a ".id," \
	" " a ".deployment_name AS deployment, " a ".kind, " a ".state," \
	" " a ".exit_code) e)"

/*
 * A deployment as JSON columns; see dep_cols[] in resp_deployments.c. The
 * overrides column, kept on the row by the triggers of sql/004 and sql/012
 * (octopod_overrides_shown), is length-prefixed, not JSON (no parser, no
 * escaping): per override, ordered by scope and key, the scope's first
 * letter, 't' (secret: no value), 'x' (a default removed: no value) or
 * 'f', then "<bytes>:<key>", then for 'f' "<bytes>:<value>"; e.g.
 * "af9:LOG_LEVEL5:debugdt5:TOKEN".
 */
#define DEP_SELECT	DEP_COLUMNS " FROM deployments d"
/*
 * A time of DEP_COLUMNS, which row_json (COL_TIME) shows as octopod_iso()
 * (sql/001) does: to_json of a timestamp is ISO 8601 whatever the
 * session's DateStyle, and costs a seventh of to_char (six times a row:
 * 40% of a list page's SQL).
 */
#define DEP_TIME(col)	"to_json(" col " AT TIME ZONE 'UTC')::text"
#define DEP_COLUMNS \
	"SELECT d.name, d.tag, d.status, d.failure_reason," \
	" EXISTS (SELECT 1 FROM actions a WHERE a.deployment_id = d.id" \
	"  AND a.state IN ('queued', 'running')) AS busy," \
	" d.version, d.links::text," \
	" d.overrides_shown," \
	" " DEP_TIME("d.created_at") ", " DEP_TIME("d.updated_at") "," \
	" " DEP_TIME("d.archived_at") ", " DEP_TIME("d.status_changed_at") "," \
	" " DEP_TIME("d.checked_at") ", d.created_by, d.updated_by," \
	" d.ttl, " DEP_TIME("d.expires_at") ", d.pinned, d.id"

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
/* $2 as a LIKE pattern's literal text, lower-cased */
#define SEARCH_TEXT \
	"replace(replace(replace(lower($2::text), '\\', '\\\\'), '%', '\\%')," \
	"  '_', '\\_')"
#define STATUS_WHERE \
	" WHERE ($1::text[] IS NULL OR d.status = ANY ($1::text[]))" \
	" AND ($3::boolean IS NULL OR" \
	"  (d.status IN ('Archived', 'CleanupFailed')) = $3::boolean)"
#define LIST_WHERE STATUS_WHERE \
	" AND ($2::text IS NULL OR d.search LIKE '%' || " SEARCH_TEXT " || '%')"
#define LIST_SQL(key, type, cmp, dir) \
	DEP_COLUMNS ", (" key ")::text FROM deployments d" LIST_WHERE " AND ($4::text IS NULL OR (" key ", d.id) " cmp \
	" ($4::" type ", $5::bigint)) ORDER BY " key " " dir ", d.id " dir \
	" LIMIT $6"

/*
 * A search in name order (sql/009_search_first_page.sql,
 * sql/013_search_prefix.sql): the page's ids from deployment_search, then
 * their columns. deployment_search keeps the search text after its first
 * character, in the form of octopod_search_key() (`tail`), and $2 is
 * tested in the same form (exact: a text holds $2 when its form holds
 * $2's). Each branch stops at a page:
 * - $2 at the start of the search text, which is the start of the name
 *   (names are lower-case, lib/valid.c; $2 holds no control character,
 *   so no line break, resp_deployments.c, and cannot reach past the
 *   name): a range of the index in name order;
 * - $2 in the tail: the trigram index of the tail, or the index in name
 *   order, by the planner's estimate of the matches;
 * - a deployment whose tail is longer than SEARCH_SHORT bytes, which the
 *   name index leaves out: the small index of those (OFFSET 0: not the
 *   trigram index's matches, all read to find the few long ones).
 * Same rows, order and cursor key as SQL_LIST_NAME_* (LIST_WHERE).
 */
#define SEARCH_SHORT	"2000"
#define SEARCH_AT_START	"d.name LIKE " SEARCH_TEXT " || '%'"
#define SEARCH_IN_TAIL \
	"d.tail LIKE '%' || octopod_search_key(lower($2::text)) || '%'"
#define SEARCH_BRANCH(from, test, cmp, dir) \
	"(SELECT d.id, d.name FROM " from STATUS_WHERE " AND " test \
	" AND ($4::text IS NULL OR (d.name, d.id) " cmp " ($4::text, $5::bigint))" \
	" ORDER BY d.name " dir ", d.id " dir " LIMIT $6)"
#define SEARCH_SQL(cmp, dir) \
	DEP_COLUMNS ", (s.name)::text FROM (" \
	SEARCH_BRANCH("deployment_search d", "octet_length(d.tail) <= " \
	    SEARCH_SHORT " AND " SEARCH_AT_START, cmp, dir) " UNION " \
	SEARCH_BRANCH("deployment_search d", "octet_length(d.tail) <= " \
	    SEARCH_SHORT " AND " SEARCH_IN_TAIL, cmp, dir) " UNION ALL " \
	SEARCH_BRANCH("(SELECT * FROM deployment_search WHERE octet_length(tail) > " \
	    SEARCH_SHORT " OFFSET 0) d", "(" SEARCH_AT_START " OR " SEARCH_IN_TAIL ")", \
	    cmp, dir) ") s" \
	" JOIN deployments d ON d.id = s.id" \
	" ORDER BY s.name " dir ", s.id " dir " LIMIT $6"
#define SQL_SEARCH_NAME_ASC	SEARCH_SQL(">", "ASC")
#define SQL_SEARCH_NAME_DESC	SEARCH_SQL("<", "DESC")

/* the same filters, counted ($1..$3 as above) */
#define SQL_LIST_COUNT \
	"SELECT count(*) FROM deployments d" LIST_WHERE

/* by name in byte order, whatever the database's locale (sql/013) */
#define SQL_LIST_NAME_ASC	LIST_SQL("d.name COLLATE \"C\"", "text", ">", "ASC")
#define SQL_LIST_NAME_DESC	LIST_SQL("d.name COLLATE \"C\"", "text", "<", "DESC")
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

/* An action as JSON columns; see act_cols[] in resp_actions.c. */
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
 * db_events.c writes them (row_to_json, as json_dumps(JSON_COMPACT)).
 */
#define SQL_ACTION_QUEUE \
	"WITH h AS (INSERT INTO status_history (deployment_id, deployment_name," \
	" from_status, to_status, reason, actor) SELECT $1::bigint, $2::text," \
	" $8::text, $9::text, $3::text, $4::text WHERE $9::text IS NOT NULL)," \
	" a AS (INSERT INTO actions (deployment_id, deployment_name, kind," \
	" requested_by, request) VALUES ($1, $2, $3, $4, $5::jsonb)" \
	" RETURNING id, deployment_name, kind, state, exit_code)" \
	" SELECT a.id, pg_notify($6, " EVENT_ACTION("a") ")," \
	" pg_notify($7, a.id::text)," \
	" pg_notify($6, (SELECT " EVENT_DEPLOYMENT("d", "true") \
	" FROM deployments d WHERE d.id = $1))" \
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
 * The output sweep (run_retention.c): the output of at most $2 actions
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

/*
 * The columns of deployment alias d that scripts_dep_row reads: id, name,
 * tag, status, version and the overrides as one JSON array of [scope, key,
 * value, secret, deleted] in (scope, key) order (NULL when none).
 */
#define DEP_SCRIPT_COLUMNS(d) \
	d ".id, " d ".name, " d ".tag, " d ".status, " d ".version, " \
	"(SELECT json_agg(json_build_array(o.scope, o.key, o.value, " \
	"  o.secret, o.deleted) ORDER BY o.scope, o.key) FROM overrides o " \
	"  WHERE o.deployment_id = " d ".id)"

/* run_action.c */
/*
 * The oldest $2 queued actions, claimed, each with its "action" event
 * on channel $3 (row_to_json writes it as json_dumps(JSON_COMPACT) does)
 * and with what its script needs: the deployment (DEP_SCRIPT_COLUMNS,
 * NULL when it is gone) and its last history row (the change the request
 * made). One statement: committed when its answer comes.
 */
#define SQL_ACTION_CLAIM \
	"WITH c AS (UPDATE actions SET state = 'running', started_at = now(), " \
	"    heartbeat_at = now(), runner = $1 " \
	"  WHERE id IN (SELECT id FROM actions WHERE state = 'queued' " \
	"    ORDER BY id LIMIT $2 FOR UPDATE SKIP LOCKED) " \
	"  RETURNING id, deployment_id, deployment_name, kind, state, " \
	"    exit_code) " \
	"SELECT c.id, c.deployment_name, c.kind, h.from_status, h.to_status, " \
	DEP_SCRIPT_COLUMNS("d") ", " \
	"  (SELECT p.reason FROM status_history p " \
	"    WHERE p.deployment_id = c.deployment_id AND p.id < h.id " \
	"    ORDER BY p.id DESC LIMIT 1), " \
	"  pg_notify($3, " EVENT_ACTION("c") ") " \
	"FROM c LEFT JOIN deployments d ON d.id = c.deployment_id " \
	"LEFT JOIN LATERAL (SELECT id, from_status, to_status FROM status_history " \
	"  WHERE deployment_id = c.deployment_id ORDER BY id DESC LIMIT 1) h " \
	"  ON true " \
	"ORDER BY c.id"
#define SQL_OUTPUT_ADD \
	"INSERT INTO action_output (action_id, seq, stream, data) " \
	"VALUES ($1, $2, $3, $4)"
#define SQL_ACTION_OUTPUT_BYTES \
	"UPDATE actions SET output_bytes = $2, heartbeat_at = now() " \
	"WHERE id = $1 AND state = 'running' AND runner = $3"
#define SQL_ACTION_ARGV \
	"UPDATE actions SET argv = $2::jsonb, args_style = $3 WHERE id = $1"

/* run_main.c */
#define SQL_ACTION_HEARTBEAT \
	"UPDATE actions SET heartbeat_at = now() " \
	"WHERE state = 'running' AND runner = $1 AND id = ANY ($2::bigint[])"
#define SQL_ACTION_STALE \
	"SELECT id, runner FROM actions WHERE state = 'running' " \
	"  AND heartbeat_at < now() - make_interval(secs => $1) " \
	"ORDER BY id LIMIT 1 FOR UPDATE SKIP LOCKED"
#define SQL_OUTPUT_ADD_NOTE \
	"INSERT INTO action_output (action_id, seq, stream, data) " \
	"SELECT $1, COALESCE(max(seq), 0) + 1, 'stderr', $2 " \
	"FROM action_output WHERE action_id = $1"

/*
 * When the runner's round may next find something, from the first entry
 * of each of their indexes (sql/008, sql/002): the check of the
 * deployment checked longest ago ($1 STATUS_CHECK_INTERVAL), the expiry
 * warning of the first one not warned ($2 EXPIRY_WARNING), the expiry of
 * the first one that can be archived. Returns whether a check may be due
 * now, whether an expiry or a warning may be, and the seconds until the
 * first of the three (0: now; NULL: none, or an infinite time, which
 * PostgreSQL cannot subtract from now). The times are a bound the check
 * claim and the expiry sweeps test more of (busy, claimed), and the
 * statement's plan depends on no parameter (a generic plan reads the
 * same entries): the round runs theirs, each planned afresh per call
 * (2.3 ms of the idle runner's second at 100,000 deployments), only when
 * they may find one.
 */
#define SQL_RUNNER_DUE \
	"SELECT t.c <= now(), least(t.w, t.e) <= now(), " \
	" CASE WHEN least(t.c, t.w, t.e) <= now() THEN 0 " \
	"  WHEN isfinite(least(t.c, t.w, t.e)) " \
	"  THEN extract(epoch FROM least(t.c, t.w, t.e) - now()) END FROM (SELECT " \
	" (SELECT coalesce(x.checked_at + make_interval(secs => $1::integer), " \
	"    '-infinity') FROM deployments x " \
	"  WHERE x.status NOT IN ('Archived', 'CleanupFailed') " \
	"  ORDER BY x.checked_at NULLS FIRST, x.id LIMIT 1) AS c, " \
	" (SELECT x.expires_at - make_interval(secs => greatest($2::integer, 0)) " \
	"  FROM deployments x WHERE x.expires_at IS NOT NULL AND NOT x.pinned " \
	"    AND x.expiry_warned_at IS NULL " \
	"    AND x.status NOT IN ('ArchivePending', 'Archived', 'CleanupFailed') " \
	"  ORDER BY x.expires_at LIMIT 1) AS w, " \
	" (SELECT x.expires_at FROM deployments x " \
	"  WHERE x.expires_at IS NOT NULL AND NOT x.pinned " \
	"    AND x.status IN ('Running', 'Failure') " \
	"  ORDER BY x.expires_at LIMIT 1) AS e) t"

/* run_checks.c */
#define SQL_CHECK_CLAIM \
	"UPDATE deployments d SET check_claimed_until = now() + " \
	"  make_interval(secs => $1) " \
	"WHERE d.id IN (SELECT x.id FROM deployments x " \
	"  WHERE x.status NOT IN ('Archived', 'CleanupFailed') " \
	"    AND (x.checked_at IS NULL OR " \
	"      x.checked_at <= now() - make_interval(secs => $2)) " \
	"    AND (x.check_claimed_until IS NULL OR " \
	"      x.check_claimed_until < now()) " \
	"    AND NOT EXISTS (SELECT 1 FROM actions a " \
	"      WHERE a.deployment_id = x.id " \
	"        AND a.state IN ('queued', 'running')) " \
	"  ORDER BY x.checked_at NULLS FIRST, x.id LIMIT $3 " \
	"  FOR UPDATE SKIP LOCKED) " \
	"RETURNING " DEP_SCRIPT_COLUMNS("d")
/* the deployment at the verdict, locked; its pending time in seconds */
#define SQL_CHECK_LOCK \
	"SELECT d.status, d.version, " \
	"  EXISTS (SELECT 1 FROM actions a WHERE a.deployment_id = d.id " \
	"    AND a.state IN ('queued', 'running')), " \
	"  extract(epoch FROM now() - greatest(d.status_changed_at, " \
	"    (SELECT max(a.finished_at) FROM actions a " \
	"     WHERE a.deployment_id = d.id)))::bigint, " \
	"  (SELECT a.kind FROM actions a WHERE a.deployment_id = d.id " \
	"    ORDER BY a.id DESC LIMIT 1) " \
	"FROM deployments d WHERE d.id = $1 FOR UPDATE"
#define SQL_CHECK_DONE \
	"UPDATE deployments SET checked_at = now(), check_claimed_until = NULL " \
	"WHERE id = $1"
#define SQL_CHECK_OUTPUT \
	"UPDATE deployments SET check_output = $2, check_exit_code = $3, " \
	"  check_failed_at = now() WHERE id = $1"
#define SQL_CHECK_RELEASE \
	"UPDATE deployments SET check_claimed_until = NULL WHERE id = $1"
#define SQL_CHECK_RENEW \
	"UPDATE deployments SET check_claimed_until = now() + " \
	"  make_interval(secs => $1) " \
	"WHERE id = ANY ($2::bigint[]) AND check_claimed_until IS NOT NULL"

/* run_fsm.c */
#define SQL_DEP_SET_STATUS \
	"WITH old AS (SELECT id, status, failure_reason FROM deployments " \
	"    WHERE id = $1 " \
	"    FOR UPDATE) " \
	"UPDATE deployments d SET status = $2, failure_reason = $3, " \
	"  status_changed_at = now(), version = d.version + 1, " \
	"  archived_at = CASE WHEN $2 = 'Archived' THEN now() " \
	"    WHEN $2 IN ('CreatePending', 'Running') THEN NULL " \
	"    ELSE d.archived_at END " \
	"FROM old WHERE d.id = old.id " \
	"RETURNING d.name, old.status, d.tag, old.failure_reason"
#define SQL_ACTION_END \
	"UPDATE actions SET state = $2, exit_code = $3, error = $4, " \
	"  finished_at = now() " \
	"WHERE id = $1 AND state = 'running' AND ($5::text IS NULL OR " \
	"  runner = $5) " \
	"RETURNING id, deployment_id, deployment_name, kind, state, exit_code"
#define SQL_DEP_LOCK_ID \
	"SELECT status, failure_reason FROM deployments WHERE id = $1 " \
	"FOR UPDATE"
#define SQL_DEP_ACTION_DONE \
	"UPDATE deployments SET checked_at = NULL, check_claimed_until = NULL, " \
	"  links = COALESCE($2::jsonb, links), " \
	"  archived_at = CASE WHEN $3 = 'restore' THEN NULL " \
	"    ELSE archived_at END " \
	"WHERE id = $1"
#define SQL_DEP_SET_REASON \
	"UPDATE deployments SET failure_reason = $2 WHERE id = $1"

/* run_expiry.c */
#define EXPIRE_BATCH	"20"	/* deployments a sweep takes */
/* expired, archivable, not busy: locked for this transaction */
#define SQL_EXPIRY_DUE \
	"SELECT d.id, d.name, d.status, d.tag, octopod_iso(d.expires_at) " \
	"FROM deployments d WHERE d.expires_at <= now() AND NOT d.pinned " \
	"  AND d.status IN ('Running', 'Failure') " \
	"  AND NOT EXISTS (SELECT 1 FROM actions a " \
	"    WHERE a.deployment_id = d.id AND a.state IN ('queued', 'running')) " \
	"ORDER BY d.expires_at LIMIT " EXPIRE_BATCH " FOR UPDATE OF d SKIP LOCKED"
#define SQL_EXPIRY_ARCHIVE \
	"UPDATE deployments SET status = 'ArchivePending', failure_reason = NULL, " \
	"  status_changed_at = now(), version = version + 1, " \
	"  updated_at = now(), updated_by = 'expiry' WHERE id = $1"
#define SQL_EXPIRY_ACTION \
	"INSERT INTO actions (deployment_id, deployment_name, kind, " \
	"  requested_by, request) VALUES ($1, $2, 'archive', 'expiry', " \
	"  jsonb_build_object('tag', $3::text, 'reason', 'expiry', " \
	"  'expires_at', $4::text)) RETURNING id"
/* $1 EXPIRY_WARNING: the deployments to warn, marked as warned */
#define SQL_EXPIRY_WARN \
	"UPDATE deployments d SET expiry_warned_at = now() " \
	"WHERE d.id IN (SELECT x.id FROM deployments x " \
	"  WHERE x.expires_at IS NOT NULL AND NOT x.pinned " \
	"    AND x.expiry_warned_at IS NULL " \
	"    AND x.status NOT IN ('ArchivePending', 'Archived', 'CleanupFailed') " \
	"    AND x.expires_at <= now() + make_interval(secs => $1::integer) " \
	"  ORDER BY x.expires_at LIMIT " EXPIRE_BATCH " FOR UPDATE SKIP LOCKED) " \
	"RETURNING d.name, d.tag, d.status, octopod_iso(d.expires_at)"

/* resp_metrics.c */
/*
 * $1 seconds: add one check of that latency to check_latency. The runner
 * runs it in the transaction of the check's verdict (run_checks.c).
 */
#define SQL_CHECK_LATENCY \
	"UPDATE check_latency SET n = n + 1, sum = sum + " \
	"  CASE WHEN le = 'Infinity' THEN $1::double precision ELSE 0 END " \
	"WHERE le >= $1::double precision"
#define SQL_M_DEPLOYMENTS \
	"SELECT status, count(*) FROM deployments GROUP BY status"
#define SQL_M_ACTIONS \
	"SELECT kind, state, count(*) FROM actions GROUP BY kind, state"
#define SQL_M_DURATION \
	"SELECT kind, count(*) FILTER (WHERE s <= 1), " \
	"  count(*) FILTER (WHERE s <= 5), count(*) FILTER (WHERE s <= 10), " \
	"  count(*) FILTER (WHERE s <= 30), count(*) FILTER (WHERE s <= 60), " \
	"  count(*) FILTER (WHERE s <= 300), count(*) FILTER (WHERE s <= 900), " \
	"  count(*) FILTER (WHERE s <= 1800), count(*) FILTER (WHERE s <= 3600), " \
	"  count(*), coalesce(sum(s), 0) " \
	"FROM (SELECT kind, extract(epoch FROM finished_at - started_at) AS s " \
	"  FROM actions WHERE finished_at IS NOT NULL AND started_at IS NOT NULL) x " \
	"GROUP BY kind"
#define SQL_M_WS \
	"SELECT coalesce(sum(clients), 0), count(*) FROM notifier_stats" \
	" WHERE seen_at > now() - interval '30 seconds'"
#define SQL_M_CHECKS \
	"SELECT CASE WHEN c.le = 'Infinity' THEN '+Inf' ELSE c.le::text END " \
	"  AS bound, c.n, c.sum FROM check_latency c ORDER BY c.le"

/* db_events.c: the event of row $1, notified on channel $2 */
#define SQL_EVENT_DEP \
	"SELECT pg_notify($2, " EVENT_DEPLOYMENT("d", DEP_BUSY("d")) ")" \
	" FROM deployments d WHERE d.id = $1"
#define SQL_EVENT_ACT \
	"SELECT pg_notify($2, " EVENT_ACTION("a") ") FROM actions a" \
	" WHERE a.id = $1"

/* transactions, notifications, the ping, LISTEN: nothing to plan */
#define SQL_BEGIN	"BEGIN"
#define SQL_COMMIT	"COMMIT"
#define SQL_ROLLBACK	"ROLLBACK"
#define SQL_PING	"SELECT 1"
#define SQL_NOTIFY	"SELECT pg_notify($1, $2)"
#define SQL_LISTEN_QUEUE	"LISTEN octopod_queue"	/* CHAN_QUEUE */

/* db_migrate.c: the migrations, applied once each, under an advisory lock */
#define SQL_MIGRATE_LOCK	"SELECT pg_advisory_lock(7242011)"
#define SQL_MIGRATE_TABLE \
	"CREATE TABLE IF NOT EXISTS schema_migrations (" \
	"version text PRIMARY KEY, applied_at timestamptz NOT NULL " \
	"DEFAULT now())"
#define SQL_MIGRATE_APPLIED \
	"SELECT 1 FROM schema_migrations WHERE version = $1"
#define SQL_MIGRATE_RECORD \
	"INSERT INTO schema_migrations (version) VALUES ($1)"

/* resp_session.c: sign-in with OIDC (sql/010): a sign-in, used once */
#define SQL_LOGIN_GC	"DELETE FROM oidc_logins WHERE expires_at < now()"
#define SQL_LOGIN_INSERT \
	"INSERT INTO oidc_logins (state, nonce, code_verifier, expires_at)" \
	" VALUES ($1, $2, $3, now() + make_interval(secs => $4))"
/* taken out as it is read */
#define SQL_LOGIN_TAKE \
	"DELETE FROM oidc_logins WHERE state = $1 AND expires_at > now()" \
	" RETURNING nonce, code_verifier"
/* a session: only the SHA-256 of its cookie is stored */
#define SQL_SESSION_GC	"DELETE FROM sessions WHERE expires_at < now()"
#define SQL_SESSION_INSERT \
	"INSERT INTO sessions (token_hash, username, role, expires_at)" \
	" VALUES (decode($1, 'hex'), $2, $3," \
	" now() + make_interval(secs => $4))" \
	" RETURNING extract(epoch FROM expires_at)::bigint"
#define SQL_SESSION_GET \
	"SELECT username, role, extract(epoch FROM expires_at)::bigint" \
	" FROM sessions WHERE token_hash = decode($1, 'hex')" \
	" AND expires_at > now()"
#define SQL_SESSION_DELETE \
	"DELETE FROM sessions WHERE token_hash = decode($1, 'hex')"

#endif
