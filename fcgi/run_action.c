/*
 * fcgi/run_action.c: one action of the runner (docs/runner.md): claimed
 * with its deployment in one statement (act_claim), its control script
 * run on a thread of the actions pool with the output streamed into
 * action_output through a sink (masked, in chunks, bounded by
 * OUTPUT_MAX), then its end recorded through the state machine.
 */
#include <sys/types.h>

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "extern.h"

#define CHUNK_MAX	16384		/* flush output at this size ... */
#define FLUSH_EVERY	0.1		/* ... or after this many seconds */
#define INFO_OUT_MAX	65536

#define CLAIM_DEP_COL	5	/* where DEP_SCRIPT_COLUMNS start */

/* A claimed action, with its deployment as claimed. */
struct action {
	long long	 id;
	int		 found;		/* 1: d is loaded; 0: gone; -1: error */
	struct dep	 d;
	char		 name[NAME_MAX_LEN + 1];
	char		 kind[16];
	char		 from[32];	/* the request's change, "" when none */
	char		 to[32];
	char		 from_reason[64];	/* the reason of from */
	struct held	*held;		/* holds id while the job runs */
};

static void
action_free(struct action *a)
{
	scripts_dep_free(&a->d);
	free(a);
}

/* Where the output of a running action goes. */
struct sink {
	PGconn		**db;
	struct action	 *a;
	struct mask	  m[SPAWN__MAX];
	struct sbuf	  pend[SPAWN__MAX];
	int		  seq;
	size_t		  stored, max;
	int		  truncated, lost;
	const char	 *argvs;	/* to store (argv_send), or NULL */
	int		  argv_pending;	/* the argv UPDATE is in flight */
	double		  last_flush;
};

static const char *const stream_names[SPAWN__MAX] = { "stdout", "stderr" };

/* Cut n back to the start of a UTF-8 character of p. */
static size_t
utf8_cut(const char *p, size_t n)
{
	while (n > 0 && ((unsigned char)p[n] & 0xc0) == 0x80)
		n--;
	return n;
}

static int
put_chunk(struct sink *k, const char *stream, const char *data)
{
	char		 ids[32], seqs[16];
	const char	*p[4] = { ids, seqs, stream, data };

	snprintf(ids, sizeof(ids), "%lld", k->a->id);
	snprintf(seqs, sizeof(seqs), "%d", ++k->seq);
	return db_cmd(*k->db, STMT_OUTPUT_ADD, 4, p, "store output");
}

/* Store b as chunks of at most CHUNK_MAX bytes, cut between characters. */
static int
put_chunks(struct sink *k, const char *stream, struct sbuf *b)
{
	size_t	 off = 0, n;
	char	 save;

	while (off < b->len) {
		n = b->len - off;
		if (n > CHUNK_MAX) {
			n = utf8_cut(b->p + off, CHUNK_MAX);
			if (n == 0)
				n = CHUNK_MAX;
		}
		save = b->p[off + n];
		b->p[off + n] = '\0';
		if (put_chunk(k, stream, b->p + off) == -1)
			return -1;
		b->p[off + n] = save;
		off += n;
	}
	return 0;
}

/*
 * Store what is pending as chunks, in one transaction with the output
 * event and the heartbeat. Past OUTPUT_MAX, one marker chunk, then
 * nothing more.
 */
static void	argv_stored(void *);

static void
sink_flush(struct sink *k)
{
	char		 ids[32], bytes[32], marker[128];
	const char	*p[3] = { ids, bytes, run_name() };
	PGresult	*r;
	int		 i, ok = 1, first = k->seq, marked = 0;

	k->last_flush = mono_now();
	if (k->pend[0].len == 0 && k->pend[1].len == 0)
		return;
	argv_stored(k);		/* the connection is ours again */
	if (db_keep(k->db) == -1)
		goto out;
	if (db_begin(*k->db) == -1)
		goto out;
	for (i = 0; i < SPAWN__MAX && ok; i++) {
		struct sbuf	*b = &k->pend[i];
		size_t		 room = k->max - k->stored;

		if (b->len == 0 || k->truncated)
			continue;
		if (b->len > room) {
			b->len = utf8_cut(b->p, room);
			b->p[b->len] = '\0';
			k->truncated = marked = 1;
		}
		if (put_chunks(k, stream_names[i], b) == -1)
			ok = 0;
		k->stored += b->len;
	}
	if (ok && marked) {
		snprintf(marker, sizeof(marker), "\n[octopod: output truncated "
		    "at %zu bytes; the rest was discarded]\n", k->max);
		if (put_chunk(k, "stderr", marker) == -1)
			ok = 0;
	}
	snprintf(ids, sizeof(ids), "%lld", k->a->id);
	snprintf(bytes, sizeof(bytes), "%zu", k->stored);
	if (ok) {
		r = db_exec(*k->db, STMT_ACTION_OUTPUT_BYTES, 3, p);
		if (!db_accept(*k->db, r, PGRES_COMMAND_OK, "store output bytes"))
			ok = 0;
		else if (strcmp(PQcmdTuples(r), "0") == 0)
			k->lost = 1;
		PQclear(r);
	}
	if (ok && k->seq > first)
		ok = db_event_new(*k->db, json_pack("{s:s, s:I, s:i}",
		    "type", "output", "action", (json_int_t)k->a->id, "seq",
		    k->seq)) == 0;
	if (db_end(*k->db, ok) == -1)
		k->seq = first;
out:
	k->pend[0].len = k->pend[1].len = 0;
}

static void
sink_data(void *arg, enum spawn_stream s, const char *p, size_t n)
{
	struct sink *k = arg;

	if (k->truncated)
		return;		/* drained, not kept */
	mask_feed(&k->m[s], p, n, &k->pend[s]);
	if (k->pend[0].len + k->pend[1].len >= CHUNK_MAX ||
	    k->stored + k->pend[0].len + k->pend[1].len > k->max)
		sink_flush(k);
}

static int
sink_tick(void *arg)
{
	struct sink *k = arg;

	if (mono_now() - k->last_flush >= FLUSH_EVERY)
		sink_flush(k);
	return k->lost;
}

/* One line of octopod's own on the action's stderr stream. */
static void
sink_note(struct sink *k, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static void
sink_note(struct sink *k, const char *fmt, ...)
{
	char	 line[1024];
	va_list	 ap;
	size_t	 n;

	memcpy(line, "octopod: ", 9);
	va_start(ap, fmt);
	vsnprintf(line + 9, sizeof(line) - 10, fmt, ap);
	va_end(ap);
	n = strlen(line);
	line[n++] = '\n';
	sbuf_add(&k->pend[SPAWN_STDERR], line, n);
}

/* Links from info's stdout: "name,url" lines. A new array. */
static json_t *
parse_links(char *out)
{
	json_t	*a = json_array();
	char	*line, *save = NULL, *comma;

	for (line = strtok_r(out, "\n", &save); line != NULL;
	    line = strtok_r(NULL, "\n", &save)) {
		size_t n = strlen(line);

		if (n > 0 && line[n - 1] == '\r')
			line[--n] = '\0';
		if ((comma = strchr(line, ',')) == NULL || comma == line ||
		    comma[1] == '\0')
			continue;
		*comma = '\0';
		if (!utf8_valid(line, strlen(line)) ||
		    !utf8_valid(comma + 1, strlen(comma + 1)))
			continue;
		json_array_append_new(a, json_pack("{s:s, s:s}", "name", line,
		    "url", comma + 1));
	}
	return a;
}

/* Run info for d; returns new links or NULL (logged). */
static json_t *
run_info(struct dep *d)
{
	struct spawn_result	 res;
	struct call		 c;
	char			*path, *out = NULL, why[512];
	json_t			*links = NULL;

	memset(&c, 0, sizeof(c));
	if ((path = spawn_script_path("info")) == NULL || access(path, F_OK) == -1)
		goto out;
	if (scripts_call("info", path, d, NULL, NULL, &c) == -1)
		goto out;
	if (spawn_capture(c.argv, c.envp, (int)setting_int("CHECK_TIMEOUT"),
	    INFO_OUT_MAX, &out, &res) == 0 && res.exit_code == 0 &&
	    !res.timed_out)
		links = parse_links(out);
	else {
		spawn_describe(&res, "info", why, sizeof(why));
		log_warn("%s: %s", d->name, why);
	}
out:
	free(path);
	free(out);
	args_call_free(&c);
	return links;
}

static int
with_info(const char *kind)
{
	return strcmp(kind, "create") == 0 || strcmp(kind, "update") == 0 ||
	    strcmp(kind, "restore") == 0;
}

/*
 * The status change the request of an action made (Running ->
 * UpdatePending...) is told to notifications when the action starts.
 * A cleanup's request changes no status: the last history row is an
 * older change, already told.
 */
static void
notify_requested(struct action *a, json_t *changes)
{
	if (*a->from != '\0' && strcmp(a->to, a->d.status) == 0 &&
	    strcmp(a->kind, "cleanup") != 0)
		json_array_append_new(changes, json_pack("{s:s, s:s, s:s, "
		    "s:s, s:s*}", "name", a->d.name, "tag", a->d.tag, "old",
		    a->from, "new", a->d.status, "old_reason",
		    *a->from_reason ? a->from_reason : NULL));
}

/*
 * Send the action's argv (k->argvs) to the database without waiting for
 * the answer (read by argv_stored before the next statement). A spawn_opts
 * on_start: the script starts first, the database work comes after.
 */
static void
argv_send(void *arg)
{
	struct sink	*k = arg;
	char		 ids[32];
	const char	*p[3] = { ids, k->argvs,
			    setting_str("CONTROL_SCRIPT_ARGS") };

	if (k->argvs == NULL || k->argv_pending)
		return;
	snprintf(ids, sizeof(ids), "%lld", k->a->id);
	if (db_send(*k->db, STMT_ACTION_ARGV, 3, p, "store argv") == 0)
		k->argv_pending = 1;
	k->argvs = NULL;
}

/* Read the answer to argv_send, if not read yet. */
static void
argv_stored(void *arg)
{
	struct sink	*k = arg;
	PGresult	*r;
	int		 first = 1;

	if (!k->argv_pending)
		return;
	k->argv_pending = 0;
	while ((r = PQgetResult(*k->db)) != NULL) {
		if (first)
			db_accept(*k->db, r, PGRES_COMMAND_OK, "store argv");
		first = 0;
		PQclear(r);
	}
}

/* The job of one claimed action: run its script, record the end. */
static void
action_job(PGconn **db, void *arg)
{
	struct action		*a = arg;
	struct dep		*d = &a->d;
	struct sink		 k;
	struct spawn_opts		 o;
	struct spawn_result	 res;
	struct call		 c;
	char			*path = NULL, *argvs = NULL;
	char			 why[512], reason[64];
	json_t			*secrets = NULL, *links = NULL;
	json_t			*changes = json_array();
	enum act_end		 end = ACT_FAILED;
	int			 code = -1, i, tries;

	memset(&k, 0, sizeof(k));
	memset(&res, 0, sizeof(res));
	memset(&c, 0, sizeof(c));
	k.db = db;
	k.a = a;
	k.max = (size_t)setting_int("OUTPUT_MAX");
	k.last_flush = mono_now();
	strlcpy_(reason, "script error", sizeof(reason));
	for (tries = 0; db_keep(db) == -1; tries++) {
		if (run_stopping() || tries > 30) {
			/* another runner finds it by its heartbeat */
			log_err("action %lld: no database", a->id);
			goto done;
		}
		sleep(1);
	}

	if (a->found != 1) {
		snprintf(why, sizeof(why), a->found == 0 ? "deployment \"%s\" "
		    "no longer exists" : "could not load deployment \"%s\"",
		    a->name);
		sink_note(&k, "%s", why);
		goto finish;
	}
	notify_requested(a, changes);
	notify_changes_new(changes);
	changes = json_array();
	secrets = scripts_secrets(d);
	for (i = 0; i < SPAWN__MAX; i++)
		mask_init(&k.m[i], secrets);

	if ((path = spawn_script_path(a->kind)) == NULL) {
		snprintf(why, sizeof(why), "no control script is set for "
		    "\"%s\": set CONTROL_SCRIPTS_DIR or the %s setting",
		    a->kind, a->kind);
		sink_note(&k, "%s", why);
		goto finish;
	}
	if (scripts_call(a->kind, path, d, NULL, NULL, &c) == -1 ||
	    (argvs = json_dumps(c.masked, JSON_COMPACT)) == NULL) {
		snprintf(why, sizeof(why), "out of memory");
		goto finish;
	}
	/* stored once the script has started: the claim is committed */
	k.argvs = argvs;

	memset(&o, 0, sizeof(o));
	o.argv = c.argv;
	o.envp = c.envp;
	o.timeout = (int)setting_int("CONTROL_SCRIPT_TIMEOUT");
	o.grace = (int)setting_int("KILL_GRACE");
	o.on_start = argv_send;
	o.on_data = sink_data;
	o.on_tick = sink_tick;
	o.arg = &k;
	o.stop = run_stopping;
	log_info("action %lld: %s %s: running %s", a->id, a->kind, d->name,
	    path);
	if (spawn_run(&o, &res) == -1) {
		argv_send(&k);		/* the argv that could not run */
		spawn_describe(&res, a->kind, why, sizeof(why));
		sink_note(&k, "%s", why);
		goto finish;
	}
	for (i = 0; i < SPAWN__MAX; i++)
		mask_finish(&k.m[i], &k.pend[i]);
	code = res.exit_code;
	spawn_describe(&res, a->kind, why, sizeof(why));
	if (res.timed_out) {
		end = ACT_TIMED_OUT;
		snprintf(reason, sizeof(reason), "%s script timeout", a->kind);
		sink_note(&k, "%s", why);
	} else if (res.stopped) {
		end = ACT_INTERRUPTED;
		strlcpy_(reason, "interrupted", sizeof(reason));
		sink_note(&k, "%s", why);
	} else if (code != 0) {
		snprintf(reason, sizeof(reason), "script exit %d", code);
		if (res.signaled)
			sink_note(&k, "%s", why);
	} else {
		end = ACT_OK;
		if (with_info(a->kind))
			links = run_info(d);
	}
finish:
	argv_stored(&k);
	sink_flush(&k);
	log_info("action %lld: %s %s: %s", a->id, a->kind, a->name, why);
	for (tries = 0; tries < 30; tries++) {
		if (db_keep(db) == 0 && db_begin(*db) == 0) {
			int rc = fsm_action_end(*db, a->id, end, code,
			    end == ACT_OK ? NULL : why, reason, links, run_name(),
			    changes);

			if (rc == 0)
				log_warn("action %lld was taken from this "
				    "runner meanwhile", a->id);
			if (db_end(*db, rc >= 0) == 0)
				break;
		}
		json_array_clear(changes);
		if (run_stopping() && tries > 2)
			break;
		sleep(1);
	}
	notify_changes_new(changes);
	changes = NULL;
done:
	json_decref(changes);
	for (i = 0; i < SPAWN__MAX; i++) {
		mask_free(&k.m[i]);
		sbuf_free(&k.pend[i]);
	}
	args_call_free(&c);
	json_decref(secrets);
	json_decref(links);
	free(argvs);
	free(path);
	held_del(a->held, a->id);
	action_free(a);
}

/* ---- the claim ------------------------------------------------------------- */

/*
 * Claim up to room queued actions in one statement (one round trip, the
 * claim committed with its events) and queue them on p. Returns how
 * many, or -1 on a database error (nothing claimed).
 */
static int
claim_batch(PGconn *db, struct pool *p, struct held *h, int room)
{
	struct action	*a;
	PGresult	*r;
	char		 lim[16];
	const char	*q[3] = { run_name(), lim, CHAN_EVENTS };
	int		 i, n;

	snprintf(lim, sizeof(lim), "%d", room);
	r = db_exec(db, STMT_ACTION_CLAIM, 3, q);
	if (!db_accept(db, r, PGRES_TUPLES_OK, "claim actions")) {
		PQclear(r);
		return -1;
	}
	n = PQntuples(r);
	for (i = 0; i < n; i++) {
		/* one not queued here is found later by its heartbeat */
		if ((a = calloc(1, sizeof(*a))) == NULL)
			continue;
		a->id = strtoll(PQgetvalue(r, i, 0), NULL, 10);
		strlcpy_(a->name, PQgetvalue(r, i, 1), sizeof(a->name));
		strlcpy_(a->kind, PQgetvalue(r, i, 2), sizeof(a->kind));
		strlcpy_(a->from, PQgetvalue(r, i, 3), sizeof(a->from));
		strlcpy_(a->to, PQgetvalue(r, i, 4), sizeof(a->to));
		strlcpy_(a->from_reason, PQgetvalue(r, i, CLAIM_DEP_COL +
		    DEP_SCRIPT_NCOLS), sizeof(a->from_reason));
		a->found = scripts_dep_row(r, i, CLAIM_DEP_COL, &a->d);
		a->held = h;
		if (held_add(h, a->id) == -1 || pool_push(p, action_job, a) == -1) {
			held_del(h, a->id);
			action_free(a);
		}
	}
	PQclear(r);
	return n;
}

/*
 * Claim queued actions while pool p has room, each held in h until its
 * job ends. Returns how many.
 */
int
act_claim(PGconn *db, struct pool *p, struct held *h)
{
	int	 room, got, n = 0;

	while (!run_stopping() && (room = pool_free_slots(p)) > 0) {
		if ((got = claim_batch(db, p, h, room)) <= 0)
			break;
		n += got;
		if (got < room)
			break;
	}
	return n;
}
