/*
 * fcgi/extern.h: octopod-fcgi's private interfaces.
 * master (main.c) -> responders (responder.c, http.c, routes.c,
 * deployments.c, actions.c) and the runner (runner.c).
 */
#ifndef FCGI_EXTERN_H
#define FCGI_EXTERN_H

#include <stddef.h>

#include <fcgiapp.h>
#include <jansson.h>
#include <libpq-fe.h>

#include "octopod.h"

/* Channels of pg_notify. */
#define CHAN_EVENTS	"octopod_events"	/* JSON events (docs/events.md) */
#define CHAN_QUEUE	"octopod_queue"		/* an action id was queued */
/*
 * A child told to stop (SIGTERM from the master, or from the kernel when
 * the master died: PR_SET_PDEATHSIG) exits by itself this many seconds
 * later at the latest, whatever is still in flight: an orphan has no
 * master to SIGKILL it (the master's own grace is longer, STOP_GRACE_MASTER).
 */
#define STOP_DEADLINE		10
#define STOP_GRACE_MASTER	15

/* A thread of a responder: its own FastCGI request and database handle. */
struct worker {
	int		 id;
	FCGX_Request	 fr;
	PGconn		*db;
	char		*obuf;		/* a JSON answer, encoded */
	size_t		 ocap;
};

enum door { DOOR_UI, DOOR_POWER, DOOR_METRICS };

/* Who may do what (roles.c); each role may do all the ones before. */
enum role { ROLE_NONE, ROLE_VIEWER, ROLE_DEPLOYER, ROLE_ADMIN, ROLE__MAX };

/* One request, alive from accept to finish (http.c fills it). */
struct req {
	struct worker	*w;
	PGconn		*db;
	struct timespec	 t0;		/* accepted (Server-Timing) */
	const char	*method;
	char		 path[1024];	/* after /api/v1/, no query */
	const char	*query;		/* raw query string or "" */
	enum door	 door;
	char		 actor[ACTOR_MAX_LEN];
	enum role	 role;		/* of actor, set by route() */
	char		*body;		/* NUL-terminated, bodylen bytes */
	size_t		 bodylen;
	int		 status;	/* answered with this, 0 before */
	int		 retry_after;	/* seconds, for Retry-After; 0: none */
};

/* http.c */
int		 http_read(struct req *, FCGX_Request *);
void		 http_free(struct req *);
void		 resp_json(struct req *, int status, json_t *body);
void		 resp_error(struct req *, int status, const char *code,
		    json_t *details, const char *fmt, ...)
		    __attribute__((format(printf, 5, 6)));
void		 resp_db_error(struct req *, PGresult *);
void		 resp_text(struct req *, int status, const char *type,
		    const char *body, size_t len);
const char	*http_header(struct req *, const char *envname);
int		 query_get(const char *query, const char *key, char *buf,
		    size_t buflen);
int		 json_body(struct req *, json_t **out);
int		 http_dn_cn(const char *dn, char *out, size_t outlen);

/* routes.c */
#define ROUTE_ARGS	4
void		 route(struct req *);
int		 route_lookup(const char *method, const char *path, char *buf,
		    size_t buflen, const char **args, char *allow,
		    size_t allowlen);

/* roles.c */
enum role	 role_of(struct req *);
int		 role_allows(enum role, enum role need);
int		 role_check(struct req *, enum role need, const char *what);
const char	*role_name(enum role);

/* db.c */
PGconn		*db_connect(void);
int		 db_ensure(struct worker *);
PGresult	*db_exec(PGconn *, const char *sql, int n,
		    const char *const *params);
int		 db_ok(PGresult *, ExecStatusType want);
int		 db_begin(PGconn *);
int		 db_commit(PGconn *);
void		 db_rollback(PGconn *);
int		 db_notify(PGconn *, const char *chan, const char *payload);
int		 db_event(PGconn *, json_t *ev);
int		 db_is_down(PGconn *);
PGresult	*db_query(struct req *, const char *sql, int n,
		    const char *const *params);
/* the hot statements, prepared once per connection (db.c stmts[]) */
enum stmt {
	STMT_DEP_BY_NAME,
	STMT_DEP_LOCK, STMT_DEP_INSERT, STMT_OVERRIDE_UPSERT,
	STMT_ACTION_QUEUE, STMT_ACTION_BY_ID,
	STMT_LIST_NAME_ASC, STMT_LIST_NAME_DESC,
	STMT_LIST_CREATED_ASC, STMT_LIST_CREATED_DESC,
	STMT_LIST_UPDATED_ASC, STMT_LIST_UPDATED_DESC,
	STMT_LIST_COUNT,
	STMT__MAX
};
const char	*db_stmt_text(enum stmt);
PGresult	*db_exec_stmt(PGconn *, enum stmt, int n,
		    const char *const *params);

/* rowjson.c: a result row as a JSON object, column i named cols[i] */
enum col_type { COL_STR, COL_INT, COL_BOOL, COL_JSON, COL_SKIP };
struct col {
	const char	*name;
	enum col_type	 type;
};
json_t		*row_json(PGresult *, int row, const struct col *);

/* validate.c: request bodies; 0, or -1 with *e filled */
struct verr {
	char	field[64];
	char	msg[256];
};
int		 valid_overrides(json_t *, const char *field, struct verr *);
int		 valid_create(json_t *, struct verr *);
int		 valid_update(json_t *, struct verr *);
/* ovrules.c: the rules that need the deployment or the defaults */
int		 ovr_create(json_t *, struct verr *);
int		 ovr_update(PGconn *, const char *id, const char *tag, json_t *,
		    struct verr *);

/* deployments.c */
void		 api_ping(struct req *, const char **);
void		 api_project(struct req *, const char **);
void		 api_list(struct req *, const char **);
void		 api_create(struct req *, const char **);
void		 api_get(struct req *, const char **);
void		 api_update(struct req *, const char **);
void		 api_transition(struct req *, const char **);
void		 api_forget(struct req *, const char **);
void		 api_pin(struct req *, const char **);
void		 api_clean_archive(struct req *, const char **);
json_t		*deployment_json(PGresult *, int row);

/* actions.c */
void		 api_actions(struct req *, const char **);
void		 api_action(struct req *, const char **);
void		 api_output(struct req *, const char **);
void		 api_history(struct req *, const char **);
json_t		*action_json(PGresult *, int row);

/* events.c: pg_notify in the current transaction; 0 or -1 */
int		 event_deployment(PGconn *, const char *id);
int		 event_action(PGconn *, const char *id);
int		 event_removed(PGconn *, const char *name);

/* metrics.c: GET /metrics; counters shared by the processes */
int		 metrics_init(void);
void		 metrics_db_error(void);
extern const char metrics_sql_check[];	/* $1: seconds a check took */
void		 api_metrics(struct req *, const char **);

/* migrate.c */
int		 migrate(const char *dir);

/* responder.c */
int		 responder_main(int listenfd);

/*
 * runner.c: the runner process (runner_main returns its exit status);
 * what its threads may ask of it: whether it is stopping, its name.
 */
int		 runner_main(void);
int		 run_stopping(void);
const char	*run_name(void);

/*
 * scripts.c: config_check inside a create/update/restore request.
 * kind is "create", "update" or "restore"; overrides are the effective
 * arrays [{key,value,secret}] after the change. Returns 0 when accepted
 * (or no config_check is set), 1 when refused with *msg (malloc'd, the
 * script's stdout, secrets masked), -1 on an internal error with *msg.
 */
int		 scripts_config_check(const char *kind, const char *name,
		    const char *tag, json_t *app_overrides,
		    json_t *deployment_overrides, char **msg);

/* keys.c: GET override_keys?scope= and default_overrides?scope= */
void		 api_override_keys(struct req *, const char **);
void		 api_default_overrides(struct req *, const char **);

/*
 * The runner's section (runner.c, spawn.c, mask.c, fsm.c, checks.c,
 * scripts.c, keys.c, rdb.c, pool.c). Names: run_ (processes), mask_ (secrets in
 * output), fsm_ (state changes), chk_ (status checks), rdb_ (database).
 */
#include <signal.h>
#include <pthread.h>

/* spawn.c: one control script, argv only, own process group. */
enum run_stream { RUN_STDOUT, RUN_STDERR, RUN__MAX };

struct run_opts {
	char *const	 *argv;		/* argv[0] is the executable's path */
	char *const	 *envp;		/* its environment; NULL: ours */
	int		  timeout;	/* seconds; SIGTERM to the group after */
	int		  grace;	/* seconds from SIGTERM to SIGKILL */
	/* output as it comes; may be NULL */
	void		(*on_data)(void *, enum run_stream, const char *, size_t);
	/* once, right after the script has started; may be NULL */
	void		(*on_start)(void *);
	/* every ~100 ms while running; non-zero asks to stop the script */
	int		(*on_tick)(void *);
	void		 *arg;
	int		(*stop)(void);	/* non-zero: stop the script; may be NULL */
};

struct run_result {
	int	 started;	/* 0: could not start, errnum says why */
	int	 errnum;
	int	 exit_code;	/* exit status, or 128 + signal */
	int	 signaled;	/* the signal that ended it, else 0 */
	int	 timed_out;	/* killed after opts->timeout */
	int	 stopped;	/* killed because of stop/on_tick */
	pid_t	 pid;
	char	 err[256];	/* run_capture: the start of stderr */
};

int		 run_spawn(const struct run_opts *, struct run_result *);
int		 run_capture(char *const *argv, char *const *envp,
		    int timeout, size_t max, char **out, struct run_result *);
char		*run_script_path(const char *script);
int		 run_script_set(const char *script);
int		 run_describe(const struct run_result *, const char *script,
		    char *buf, size_t len);

/* mask.c: secrets replaced by "***", invalid UTF-8 and NUL by U+FFFD. */
struct sbuf {
	char	*p;
	size_t	 len, cap;
};
int		 sbuf_add(struct sbuf *, const void *, size_t);
int		 sbuf_addc(struct sbuf *, char);
void		 sbuf_free(struct sbuf *);

struct mask {
	char	**secrets;	/* owned, sorted longest first */
	size_t	  nsecrets, maxlen;
	unsigned char utf8[4];	/* an incomplete UTF-8 sequence */
	size_t	  nutf8;
	struct sbuf text;	/* sanitized, not yet masked */
};
void		 mask_init(struct mask *, json_t *secrets);
int		 mask_feed(struct mask *, const char *, size_t, struct sbuf *);
int		 mask_finish(struct mask *, struct sbuf *);
void		 mask_free(struct mask *);
char		*mask_string(json_t *secrets, const char *);

/* rdb.c: the runner's database helpers (its own connections). */
PGconn		*rdb_connect(void);
PGresult	*rdb_exec(PGconn *, const char *sql, int n,
		    const char *const *params);
int		 rdb_ok(PGresult *, ExecStatusType want, const char *what);
int		 rdb_cmd(PGconn *, const char *sql, int n,
		    const char *const *params, const char *what);
int		 rdb_begin(PGconn *);
int		 rdb_end(PGconn *, int ok);
int		 rdb_notify(PGconn *, const char *chan, json_t *payload);
int		 rdb_ensure(PGconn **);
int		 rdb_prepare(PGconn *, const char *sql, int nparams);
int		 rdb_send(PGconn *, const char *sql, int n,
		    const char *const *params, const char *what);
/* one statement of a batch (rdb_batch: one round trip) */
struct rdb_q {
	const char		*sql;
	int			 n;
	const char *const	*params;
	ExecStatusType		 want;	/* PGRES_COMMAND_OK, PGRES_TUPLES_OK */
	const char		*what;	/* for the log */
	PGresult		*r;	/* its result, set by rdb_batch */
};
#define RDB_BATCH_MAX	16
int		 rdb_batch(PGconn *, struct rdb_q *, size_t);
void		 rdb_batch_clear(struct rdb_q *, size_t);

/* scripts.c: argv of a control script in either style. */
struct dep {
	long long	 id;
	char		*name;
	char		*tag;
	char		*status;
	long long	 version;
	json_t		*app;		/* [{key,value,secret,deleted?}] */
	json_t		*depl;		/* [{key,value,secret,deleted?}] */
};
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
#define DEP_SCRIPT_NCOLS	6
int		 scripts_dep_row(PGresult *, int row, int col, struct dep *);
void		 scripts_dep_free(struct dep *);
json_t		*scripts_secrets(const struct dep *);
/* one run of a control script, prepared (scripts_call) */
struct call {
	char	**argv;		/* argv[0] is the script's path */
	char	**envp;		/* the server's environment + OCTOPOD_* */
	json_t	 *masked;	/* argv as stored: secret values "***" */
	json_t	 *secrets;	/* the secret values it was given */
	char	 *cfgfile;	/* OCTOPOD_CONFIG_FILE, removed by _free */
};
int		 scripts_call(const char *script, const char *path,
		    const struct dep *, json_t *depl, const char *const *extra,
		    struct call *);
void		 scripts_call_free(struct call *);
json_t		*scripts_effective_depl(json_t *depl);
json_t		*scripts_effective_app(const char *tag, json_t *app,
		    json_t *eff_depl);
const char	*scripts_status_name(const char *status, const char *reason);
void		 argv_free(char **);

/* keys.c: app_keys, deployment_keys, app_overrides, deployment_overrides */
json_t		*keys_get(const char *script, json_t *depl, char **err);

/* fsm.c: the state changes of design section 4, each with its events. */
enum act_end { ACT_OK, ACT_FAILED, ACT_TIMED_OUT, ACT_INTERRUPTED };
json_t		*fsm_event_deployment(PGconn *, long long id);
int		 fsm_history(PGconn *, long long id, const char *name,
		    const char *from, const char *to, const char *reason,
		    const char *actor);
int		 fsm_set_status(PGconn *, long long id, const char *to,
		    const char *reason, const char *actor, json_t *changes);
int		 fsm_action_end(PGconn *, long long action, enum act_end,
		    int exit_code, const char *error, const char *reason,
		    json_t *links, const char *runner, json_t *changes);

/* notify.c: the notifications script for each change, on its own pool */
int		 notify_start(void);
void		 notify_stop(void);
int		 notify_push(void (*)(PGconn **, void *), void *);
void		 notify_changes(json_t *changes);

/* held.c: the ids of the actions or checks held, under a lock */
struct held {
	pthread_mutex_t	 mu;
	long long	*ids;
	size_t		 n, cap;
};
#define HELD_INIT	{ PTHREAD_MUTEX_INITIALIZER, NULL, 0, 0 }
int		 held_add(struct held *, long long id);
void		 held_del(struct held *, long long id);
int		 held_array(struct held *, struct sbuf *out);
void		 held_free(struct held *);

/* action.c: claim queued actions onto a pool, run them */
struct pool;
int		 act_claim(PGconn *, struct pool *, struct held *);

/* checks.c */
int		 chk_claim(PGconn *, struct pool *, int free_slots);
void		 chk_heartbeat(PGconn *);
void		 chk_free(void);

/* expiry.c: archive expired deployments; queued count or -1 */
int		 exp_sweep(PGconn *);

/* retention.c: remove old actions' output; how many or -1 */
int		 ret_sweep(PGconn *);

/* pool.c: a pool of threads, each with its own PGconn; runner.c */
struct pool	*pool_new(const char *what, int nthreads, int ahead,
		    int connect, int wakefd);
int		 pool_threads(struct pool *);
int		 pool_push(struct pool *, void (*)(PGconn **, void *), void *);
int		 pool_free_slots(struct pool *);
int		 pool_idle(struct pool *);
void		 pool_stop(struct pool *);

#endif
