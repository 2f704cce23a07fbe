/*
 * fcgi/run_checks.c: the periodic status checks. Each deployment that is not
 * busy and not Archived/CleanupFailed gets `check` (ArchivePending gets
 * `archive_check`) every STATUS_CHECK_INTERVAL seconds. A check is
 * claimed through the database (check_claimed_until, SKIP LOCKED), so
 * two runners never check the same deployment at once; its verdict is
 * applied only when the deployment has not changed since the claim.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "extern.h"

/*
 * What a failing check printed, kept (STMT_CHECK_OUTPUT): at most
 * CHECK_OUTPUT_MAX bytes, cut after masking, so more is read: a secret
 * cut at the edge of what was read would escape the mask.
 */
#define CHECK_OUTPUT_MAX	4096
#define CHECK_READ_MAX		(CHECK_OUTPUT_MAX + VALUE_MAX_LEN)

/* A claimed check: the deployment as claimed (its version is the claim's). */
struct chk {
	long long	 id;
	long long	 version;
	struct dep	 d;
};

/*
 * The checks this runner holds. A claim lasts 3 heartbeats and the main
 * thread renews it (chk_heartbeat) while the check runs: the claims of a
 * runner that died expire within seconds, not after CHECK_TIMEOUT.
 */
static struct held	 chk_held = HELD_INIT;

/* Seconds a claim lasts without renewal. */
static long
chk_claim_secs(void)
{
	return 3 * setting_int("HEARTBEAT_INTERVAL");
}

/* Renew the claims of the checks this runner runs (main thread). */
void
chk_heartbeat(PGconn *db)
{
	struct sbuf	 ids;
	char		 secs[32];
	const char	*q[2] = { secs, NULL };

	memset(&ids, 0, sizeof(ids));
	if (held_array(&chk_held, &ids) > 0) {
		snprintf(secs, sizeof(secs), "%ld", chk_claim_secs());
		q[1] = ids.p;
		db_cmd(db, STMT_CHECK_RENEW, 2, q, "renew the check claims");
	}
	sbuf_free(&ids);
}

/* Forget the claims list at the runner's end. */
void
chk_free(void)
{
	held_free(&chk_held);
}

static int
is_pending(const char *s)
{
	return strcmp(s, "CreatePending") == 0 ||
	    strcmp(s, "UpdatePending") == 0 ||
	    strcmp(s, "ArchivePending") == 0;
}

static const char *
check_reason(int code)
{
	if (code == 2)
		return "PartialAvailability";
	if (code == 3)
		return "TagMismatch";
	return "GenericFailure";
}

/*
 * Apply the verdict (exit code, -1 when the script could not run) to
 * deployment c, keep output when it failed, and count a check of secs
 * seconds (none when secs < 0),
 * in one transaction of two round trips when the status stays. Returns
 * 0, or -1 on a database error (rolled back).
 */
static int
check_apply(PGconn *db, struct chk *c, int code, double secs,
    const char *output, json_t *changes)
{
	PGresult	*r;
	struct db_q	 q[4];
	char		 ids[32], lat[32], status[32], timeout[48], codes[16];
	const char	*p[1] = { ids }, *pl[1] = { lat };
	const char	*po[3] = { ids, output, codes };
	const char	*to = NULL, *reason = NULL;
	long long	 version = 0;
	long		 pending = 0;
	size_t		 n = 0;
	int		 busy = 0, found;

	snprintf(ids, sizeof(ids), "%lld", c->id);
	snprintf(lat, sizeof(lat), "%.6f", secs);
	memset(q, 0, sizeof(q));
	q[0].s = STMT_BEGIN;
	q[0].want = PGRES_COMMAND_OK;
	q[0].what = "begin a transaction";
	q[1].s = STMT_CHECK_LOCK;
	q[1].n = 1;
	q[1].params = p;
	q[1].want = PGRES_TUPLES_OK;
	q[1].what = "lock the checked deployment";
	if (db_batch(db, q, 2) == -1) {
		db_batch_clear(q, 2);
		db_rollback(db);
		return -1;
	}
	r = q[1].r;
	if ((found = PQntuples(r) == 1)) {
		strlcpy_(status, PQgetvalue(r, 0, 0), sizeof(status));
		version = strtoll(PQgetvalue(r, 0, 1), NULL, 10);
		busy = *PQgetvalue(r, 0, 2) == 't';
		pending = strtol(PQgetvalue(r, 0, 3), NULL, 10);
		/* which step did not come through: create, update, archive */
		snprintf(timeout, sizeof(timeout), "%s timeout",
		    strcmp(status, "UpdatePending") == 0 ? "update" :
		    strcmp(status, "ArchivePending") == 0 ? "archive" :
		    !PQgetisnull(r, 0, 4) && strcmp(PQgetvalue(r, 0, 4),
		    "restore") == 0 ? "restore" : "create");
	}
	db_batch_clear(q, 2);

	if (!found || busy || version != c->version)
		;	/* gone, or changed meanwhile: this verdict is stale */
	else if (strcmp(status, "ArchivePending") == 0) {
		if (code == 0)
			to = "Archived";
		else if (pending > setting_int("STATUS_UPDATE_TIMEOUT"))
			to = "Failure", reason = timeout;
	} else if (is_pending(status)) {
		if (code == 0)
			to = "Running";
		else if (pending > setting_int("STATUS_UPDATE_TIMEOUT"))
			to = "Failure", reason = timeout;
	} else if (strcmp(status, "Running") == 0 && code != 0)
		to = "Failure", reason = check_reason(code);
	else if (strcmp(status, "Failure") == 0 && code == 0)
		to = "Running";

	if (to != NULL && fsm_set_status(db, c->id, to, reason, "check",
	    changes) == -1) {
		db_rollback(db);
		return -1;
	}
	memset(q, 0, sizeof(q));
	snprintf(codes, sizeof(codes), "%d", code);
	if (found && !busy && version == c->version && code != 0) {
		/* why it failed, for the API, the UI and octo info */
		q[n].s = STMT_CHECK_OUTPUT;
		q[n].n = 3;
		q[n].params = po;
		q[n].want = PGRES_COMMAND_OK;
		q[n++].what = "store the check output";
	}
	if (found) {
		q[n].s = STMT_CHECK_DONE;
		q[n].n = 1;
		q[n].params = p;
		q[n].want = PGRES_COMMAND_OK;
		q[n++].what = "record the check";
	}
	if (secs >= 0) {
		/* last: check_latency's rows are shared by every check */
		q[n].s = STMT_CHECK_LATENCY;
		q[n].n = 1;
		q[n].params = pl;
		q[n].want = PGRES_COMMAND_OK;
		q[n++].what = "count the check latency";
	}
	q[n].s = STMT_COMMIT;
	q[n].want = PGRES_COMMAND_OK;
	q[n++].what = "commit";
	if (db_batch(db, q, n) == -1) {
		db_batch_clear(q, n);
		db_rollback(db);
		return -1;
	}
	db_batch_clear(q, n);
	if (to != NULL)
		log_info("deployment %lld: %s -> %s%s%s", c->id, status, to,
		    reason ? ": " : "", reason ? reason : "");
	return 0;
}

/*
 * Give the claim of c back, reconnecting if the connection is gone (a
 * restart of PostgreSQL): else the deployment would wait for the claim to
 * expire (CHECK_TIMEOUT + 60 s) before its next check.
 */
static void
check_release(PGconn **db, struct chk *c)
{
	char		 ids[32];
	const char	*p[1] = { ids };
	int		 tries;

	snprintf(ids, sizeof(ids), "%lld", c->id);
	for (tries = 0; tries < 5; tries++) {
		if (db_keep(db) == 0 && db_cmd(*db, STMT_CHECK_RELEASE, 1, p,
		    "release a check claim") == 0)
			return;
		if (run_stopping())
			return;
		sleep(1);
	}
}

/* The output of a check, bounded (a spawn_opts on_data). */
static void
check_data(void *arg, enum spawn_stream s, const char *p, size_t n)
{
	struct sbuf *b = arg;

	(void)s;
	if (b->len < CHECK_READ_MAX)
		sbuf_add(b, p, n > CHECK_READ_MAX - b->len ?
		    CHECK_READ_MAX - b->len : n);
}

/*
 * What a failing check said, for STMT_CHECK_OUTPUT: its output with the
 * secrets masked, cut to CHECK_OUTPUT_MAX bytes between characters, then
 * octopod's own line why. A malloc'd string, or NULL (out of memory).
 */
static char *
check_output(struct sbuf *b, json_t *secrets, const char *why)
{
	char	*m, *out;
	size_t	 n;

	if (sbuf_addc(b, '\0') == -1 || (m = mask_string(secrets, b->p)) == NULL)
		return strdup(why);
	if ((n = strlen(m)) > CHECK_OUTPUT_MAX) {
		n = CHECK_OUTPUT_MAX;
		while (n > 0 && ((unsigned char)m[n] & 0xc0) == 0x80)
			n--;
	}
	if (asprintf(&out, "%.*s%s[octopod: %s]", (int)n, m,
	    n > 0 && m[n - 1] != '\n' ? "\n" : "", why) < 0)
		out = NULL;
	free(m);
	return out;
}

static void
chk_free_one(struct chk *c)
{
	held_del(&chk_held, c->id);
	scripts_dep_free(&c->d);
	free(c);
}

/*
 * The job of one claimed check: the deployment came with the claim, so
 * the script starts at once; then the verdict. Frees arg.
 */
static void
check_job(PGconn **db, void *arg)
{
	struct chk		*c = arg;
	struct dep		*d = &c->d;
	struct spawn_result	 res;
	struct call		 call;
	struct sbuf		 outb;
	const char		*script;
	char			*path = NULL, *output = NULL;
	char			 why[512];
	json_t			*changes = json_array();
	int			 code, tries;
	double			 t0, secs = -1;

	memset(&call, 0, sizeof(call));
	memset(&outb, 0, sizeof(outb));
	if (run_stopping()) {
		check_release(db, c);
		goto out;
	}
	/*
	 * The connection, and the statements of the verdict parsed (once
	 * per connection), before the script rather than after it: the
	 * verdict of a check that ran is written at once.
	 */
	if (db_keep(db) == 0) {
		db_prepare(*db, STMT_CHECK_LOCK, 1);
		db_prepare(*db, STMT_CHECK_DONE, 1);
		db_prepare(*db, STMT_CHECK_LATENCY, 1);
	}
	script = strcmp(d->status, "ArchivePending") == 0 ? "archive_check" :
	    "check";
	if ((path = spawn_script_path(script)) == NULL) {
		code = -1;
		snprintf(why, sizeof(why), "no control script is set for "
		    "\"%s\"", script);
	} else {
		struct spawn_opts o;

		if (scripts_call(script, path, d, NULL, NULL, &call) == -1) {
			check_release(db, c);
			goto out;
		}
		memset(&o, 0, sizeof(o));
		o.argv = call.argv;
		o.envp = call.envp;
		o.on_data = check_data;
		o.arg = &outb;
		o.timeout = (int)setting_int("CHECK_TIMEOUT");
		o.grace = (int)setting_int("KILL_GRACE");
		o.stop = run_stopping;
		t0 = mono_now();
		if (spawn_run(&o, &res) == -1)
			code = -1;
		else if (res.stopped) {
			check_release(db, c);
			goto out;
		} else
			code = res.timed_out ? 124 : res.exit_code;
		if (res.started)
			secs = mono_now() - t0;
		spawn_describe(&res, script, why, sizeof(why));
	}
	if (code != 0) {
		log_debug("%s: %s", d->name, why);
		output = check_output(&outb, call.secrets, why);
	}
	/* a connection idle across a restart of PostgreSQL fails once */
	for (tries = 0; ; tries++) {
		if (db_keep(db) == 0 && check_apply(*db, c, code, secs,
		    output, changes) == 0)
			break;
		json_array_clear(changes);
		if (tries > 0 || run_stopping() || (*db != NULL &&
		    PQstatus(*db) == CONNECTION_OK)) {
			check_release(db, c);
			break;
		}
	}
	notify_changes_new(changes);
	changes = NULL;
out:
	json_decref(changes);
	args_call_free(&call);
	sbuf_free(&outb);
	free(output);
	free(path);
	chk_free_one(c);
}

/*
 * Claim up to n due checks and queue them on pool p. Returns how many,
 * or -1 on a database error.
 */
int
chk_claim(PGconn *db, struct pool *p, int n)
{
	PGresult	*r;
	char		 claim[32], interval[32], limit[16];
	const char	*q[3] = { claim, interval, limit };
	int		 i, got;

	snprintf(claim, sizeof(claim), "%ld", chk_claim_secs());
	snprintf(interval, sizeof(interval), "%ld",
	    setting_int("STATUS_CHECK_INTERVAL"));
	snprintf(limit, sizeof(limit), "%d", n);
	r = db_exec(db, STMT_CHECK_CLAIM, 3, q);
	if (!db_accept(db, r, PGRES_TUPLES_OK, "claim checks")) {
		PQclear(r);
		return -1;
	}
	got = PQntuples(r);
	for (i = 0; i < got; i++) {
		struct chk *c = calloc(1, sizeof(*c));

		/* one that is not queued here: its claim expires */
		if (c == NULL)
			break;
		if (scripts_dep_row(r, i, 0, &c->d) != 1) {
			free(c);
			continue;
		}
		c->id = c->d.id;
		c->version = c->d.version;
		if (held_add(&chk_held, c->id) == -1) {
			scripts_dep_free(&c->d);
			free(c);
			continue;
		}
		if (pool_push(p, check_job, c) == -1)
			chk_free_one(c);
	}
	PQclear(r);
	return got;
}
