/*
 * fcgi/extern.h: octopod-fcgi's private interfaces, one section a file,
 * in the order of the three roles: what all of them share (the database
 * layer, control scripts), the master (main.c), the responders, the
 * runner. Prefixes: db_ (database), event_ (events), spawn_ (processes),
 * args_/scripts_ (control scripts), mask_ (secrets in output), resp_/
 * http_/route_/role_/api_ (responders), run_/act_/chk_/fsm_/notify_/
 * held_/pool_ (runner).
 */
#ifndef FCGI_EXTERN_H
#define FCGI_EXTERN_H

#include <signal.h>
#include <stddef.h>
#include <pthread.h>
#include <time.h>

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

struct call;
struct pool;
struct req;
struct worker;

/* ==== shared by the three roles ==== */

/*
 * db.c: the one database layer (responders, runner, migrate). Every
 * statement is numbered here, its SQL in queries.h, db.c stmts[].
 */
enum stmt {
	STMT_DEP_BY_NAME, STMT_DEP_CHECK_FAILURE, STMT_DEP_LOCK,
	STMT_LIST_COUNT, STMT_LIST_NAME_ASC, STMT_LIST_NAME_DESC,
	STMT_LIST_CREATED_ASC, STMT_LIST_CREATED_DESC,
	STMT_LIST_UPDATED_ASC, STMT_LIST_UPDATED_DESC,
	STMT_SEARCH_NAME_ASC, STMT_SEARCH_NAME_DESC, STMT_DEP_INSERT,
	STMT_DEP_EXPIRY_RESET, STMT_DEP_PIN, STMT_OVERRIDE_UPSERT,
	STMT_OVERRIDE_REMOVE_DEFAULT, STMT_OVERRIDE_DELETE,
	STMT_OVERRIDES_ALL, STMT_DEP_CHANGE, STMT_HISTORY_INSERT,
	STMT_DEP_DELETE, STMT_ACTION_QUEUE, STMT_ACTION_BY_ID,
	STMT_ACTIONS_OF, STMT_OUTPUT, STMT_OUTPUT_SWEEP,
	STMT_OUTPUT_STATE, STMT_HISTORY, STMT_EXISTS_NAME,
	STMT_CLEAN_CANDIDATES, STMT_ACTION_CLAIM, STMT_OUTPUT_ADD,
	STMT_ACTION_OUTPUT_BYTES, STMT_ACTION_ARGV,
	STMT_ACTION_HEARTBEAT, STMT_ACTION_STALE, STMT_OUTPUT_ADD_NOTE,
	STMT_RUNNER_DUE,
	STMT_CHECK_CLAIM, STMT_CHECK_LOCK, STMT_CHECK_DONE,
	STMT_CHECK_OUTPUT, STMT_CHECK_RELEASE, STMT_CHECK_RENEW,
	STMT_DEP_SET_STATUS, STMT_ACTION_END,
	STMT_DEP_LOCK_ID, STMT_DEP_ACTION_DONE, STMT_DEP_SET_REASON,
	STMT_EXPIRY_DUE, STMT_EXPIRY_ARCHIVE, STMT_EXPIRY_ACTION,
	STMT_EXPIRY_WARN, STMT_CHECK_LATENCY, STMT_M_DEPLOYMENTS,
	STMT_M_ACTIONS, STMT_M_DURATION, STMT_M_WS, STMT_M_CHECKS,
	STMT_EVENT_DEP, STMT_EVENT_ACT, STMT_BEGIN, STMT_COMMIT,
	STMT_ROLLBACK, STMT_PING, STMT_NOTIFY, STMT_LISTEN_QUEUE,
	STMT_MIGRATE_LOCK, STMT_MIGRATE_TABLE, STMT_MIGRATE_APPLIED,
	STMT_MIGRATE_RECORD, STMT_LOGIN_GC, STMT_LOGIN_INSERT,
	STMT_LOGIN_TAKE, STMT_SESSION_GC, STMT_SESSION_INSERT,
	STMT_SESSION_GET, STMT_SESSION_DELETE,
	STMT__MAX
};
int		 db_errors_init(void);
unsigned long	 db_errors_total(void);
PGconn		*db_connect(const char *role);
int		 db_ensure(struct worker *);
int		 db_keep(PGconn **);
int		 db_is_down(PGconn *);
PGresult	*db_exec(PGconn *, enum stmt, int n, const char *const *params);
PGresult	*db_exec_text(PGconn *, enum stmt, int n,
		    const char *const *params);
int		 db_accept(PGconn *, PGresult *, ExecStatusType want,
		    const char *what);
PGresult	*db_run(PGconn *, enum stmt, ExecStatusType want, int n,
		    const char *const *params, const char *what);
int		 db_cmd(PGconn *, enum stmt, int n, const char *const *params,
		    const char *what);
int		 db_prepare(PGconn *, enum stmt, int n);
int		 db_send(PGconn *, enum stmt, int n, const char *const *params,
		    const char *what);
int		 db_begin(PGconn *);
int		 db_commit(PGconn *);
void		 db_rollback(PGconn *);
int		 db_end(PGconn *, int ok);
int		 db_notify(PGconn *, const char *chan, const char *payload);
int		 db_event_new(PGconn *, json_t *ev);
/* one statement of a batch (db_batch: one round trip) */
struct db_q {
	enum stmt		 s;
	int			 n;
	const char *const	*params;
	ExecStatusType		 want;	/* PGRES_COMMAND_OK, PGRES_TUPLES_OK */
	const char		*what;	/* for the log */
	PGresult		*r;	/* its result, set by db_batch */
};
int		 db_batch(PGconn *, struct db_q *, size_t);
void		 db_batch_clear(struct db_q *, size_t);

/*
 * db_events.c: an event (queries.h EVENT_*) notified in the current
 * transaction; 0 or -1
 */
int		 event_deployment(PGconn *, const char *id);
int		 event_action(PGconn *, const char *id);
int		 event_removed(PGconn *, const char *name);

/* spawn.c: one control script, argv only, own process group. */
enum spawn_stream { SPAWN_STDOUT, SPAWN_STDERR, SPAWN__MAX };

struct spawn_opts {
	char *const	 *argv;		/* argv[0] is the executable's path */
	char *const	 *envp;		/* its environment; NULL: ours */
	int		  timeout;	/* seconds; SIGTERM to the group after */
	int		  grace;	/* seconds from SIGTERM to SIGKILL */
	/* output as it comes; may be NULL */
	void		(*on_data)(void *, enum spawn_stream, const char *, size_t);
	/* once, right after the script has started; may be NULL */
	void		(*on_start)(void *);
	/* every ~100 ms while running; non-zero asks to stop the script */
	int		(*on_tick)(void *);
	void		 *arg;
	int		(*stop)(void);	/* non-zero: stop the script; may be NULL */
};

struct spawn_result {
	int	 started;	/* 0: could not start, errnum says why */
	int	 errnum;
	int	 exit_code;	/* exit status, or 128 + signal */
	int	 signaled;	/* the signal that ended it, else 0 */
	int	 timed_out;	/* killed after opts->timeout */
	int	 stopped;	/* killed because of stop/on_tick */
	pid_t	 pid;
	char	 err[256];	/* spawn_capture: the start of stderr */
};

int		 spawn_run(const struct spawn_opts *, struct spawn_result *);
int		 spawn_capture(char *const *argv, char *const *envp,
		    int timeout, size_t max, char **out, struct spawn_result *);
char		*spawn_script_path(const char *script);
int		 spawn_script_set(const char *script);
int		 spawn_describe(const struct spawn_result *, const char *script,
		    char *buf, size_t len);

/* mask.c: secrets replaced by "***", invalid UTF-8 and NUL by U+FFFD. */
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

/* scripts.c: a deployment as its scripts get it, and one run prepared */
struct dep {
	long long	 id;
	char		*name;
	char		*tag;
	char		*status;
	long long	 version;
	json_t		*app;		/* [{key,value,secret,deleted?}] */
	json_t		*depl;		/* [{key,value,secret,deleted?}] */
};
/* the columns of DEP_SCRIPT_COLUMNS (queries.h) that scripts_dep_row reads */
#define DEP_SCRIPT_NCOLS	6
int		 scripts_dep_row(PGresult *, int row, int col, struct dep *);
void		 scripts_dep_free(struct dep *);
json_t		*scripts_secrets(const struct dep *);
int		 scripts_call(const char *script, const char *path,
		    const struct dep *, json_t *depl, const char *const *extra,
		    struct call *);
const char	*scripts_status_name(const char *status, const char *reason);
/*
 * config_check inside a create/update/restore request.
 * kind is "create", "update" or "restore"; overrides are the effective
 * arrays [{key,value,secret}] after the change. Returns 0 when accepted
 * (or no config_check is set), 1 when refused with *msg (malloc'd, the
 * script's stdout, secrets masked), -1 on an internal error with *msg.
 */
int		 scripts_config_check(const char *kind, const char *name,
		    const char *tag, json_t *app_overrides,
		    json_t *deployment_overrides, char **msg);

/* args.c: the argv, environment and config file of one run of a script */
struct call {
	char	**argv;		/* argv[0] is the script's path */
	char	**envp;		/* the server's environment + OCTOPOD_* */
	json_t	 *masked;	/* argv as stored: secret values "***" */
	json_t	 *secrets;	/* the secret values it was given */
	char	 *cfgfile;	/* OCTOPOD_CONFIG_FILE, removed by _free */
};
int		 args_call(const char *script, const char *path,
		    const struct dep *, json_t *ea, json_t *ed, json_t *depl,
		    const char *const *extra, struct call *);
void		 args_call_free(struct call *);
void		 argv_free(char **);

/*
 * keys.c: app_keys, deployment_keys, app_overrides, deployment_overrides
 * (answers kept), and a deployment's effective configs (defaults merged)
 */
json_t		*keys_get(const char *script, json_t *depl, char **err);
json_t		*keys_effective_depl(json_t *depl);
json_t		*keys_effective_app(const char *tag, json_t *app,
		    json_t *eff_depl);
/* GET override_keys?scope= and default_overrides?scope= (responders) */
void		 api_override_keys(struct req *, const char **);
void		 api_default_overrides(struct req *, const char **);

/* ==== the master (main.c), and octopod-fcgi -m ==== */

/* db_migrate.c: apply the migrations missing (octopod-fcgi -m) */
int		 migrate(const char *dir);

/* ==== the responders ==== */

/* A thread of a responder: its own FastCGI request and database handle. */
struct worker {
	int		 id;
	FCGX_Request	 fr;
	PGconn		*db;
	char		*obuf;		/* a JSON answer, encoded */
	size_t		 ocap;
};

enum door { DOOR_UI, DOOR_POWER, DOOR_METRICS };

/* Who may do what (resp_roles.c); each role may do all the ones before. */
enum role { ROLE_NONE, ROLE_VIEWER, ROLE_DEPLOYER, ROLE_ADMIN, ROLE__MAX };

/* One request, alive from accept to finish (resp_http.c fills it). */
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
	const char	*hdrs;		/* more header lines ("Name: v\r\n"…) */
};

/* resp_main.c: a responder process; returns its exit status */
int		 responder_main(int listenfd);

/* resp_http.c */
int		 http_read(struct req *, FCGX_Request *);
void		 http_free(struct req *);
void		 resp_json_new(struct req *, int status, json_t *body);
void		 resp_error_new(struct req *, int status, const char *code,
		    json_t *details, const char *fmt, ...)
		    __attribute__((format(printf, 5, 6)));
void		 resp_db_error(struct req *);
PGresult	*http_query(struct req *, enum stmt, int n,
		    const char *const *params);
void		 resp_text(struct req *, int status, const char *type,
		    const char *body, size_t len);
const char	*http_header(struct req *, const char *envname);
int		 query_get(const char *query, const char *key, char *buf,
		    size_t buflen);
int		 json_body(struct req *, json_t **out);
int		 http_dn_cn(const char *dn, char *out, size_t outlen);

/* resp_routes.c */
#define ROUTE_ARGS	4
void		 route(struct req *);
int		 route_lookup(const char *method, const char *path, char *buf,
		    size_t buflen, const char **args, char *allow,
		    size_t allowlen);

/* resp_roles.c */
enum role	 role_of(struct req *);
int		 role_allows(enum role, enum role need);
int		 role_check(struct req *, enum role need, const char *what);
const char	*role_name(enum role);

/* resp_oidc.c, resp_oidc_verify.c: sign-in with OpenID Connect (UI_AUTH=oidc) */
struct oidc_start {
	char	*url;		/* the IdP's authorization URL */
	char	*state, *nonce, *verifier;
};
struct oidc_user {
	char		 name[ACTOR_MAX_LEN];
	enum role	 role;
};
int		 oidc_enabled(void);
enum role	 oidc_role_parse(const char *, size_t);
int		 oidc_init(char *err, size_t errlen);
int		 oidc_begin(const char *redirect_uri, struct oidc_start *,
		    char *err, size_t errlen);
void		 oidc_begin_free(struct oidc_start *);
int		 oidc_verify(json_t *disc, json_t *jwks, long status,
		    json_t *tok, const char *client_id, const char *nonce,
		    struct oidc_user *, char *err, size_t errlen);
int		 oidc_finish(const char *redirect_uri, const char *code,
		    const char *nonce, const char *verifier, struct oidc_user *,
		    char *err, size_t errlen);

/* resp_session.c: the sign-in routes (auth/...) */
void		 api_auth_login(struct req *, const char **);
void		 api_auth_callback(struct req *, const char **);
void		 api_auth_logout(struct req *, const char **);
void		 api_auth_session(struct req *, const char **);
void		 api_auth_check(struct req *, const char **);
int		 session_cookie(const char *header, const char *name, char *buf,
		    size_t buflen);

/* resp_rowjson.c: a result row as a JSON object, column i named cols[i] */
/* COL_TIME: queries.h DEP_TIME's text, shown as "YYYY-MM-DDTHH:MM:SS.mmmZ" */
enum col_type { COL_STR, COL_INT, COL_BOOL, COL_JSON, COL_TIME, COL_SKIP };
struct col {
	const char	*name;
	enum col_type	 type;
};
json_t		*row_json(PGresult *, int row, const struct col *);
json_t		*time_json(const char *, size_t);

/* resp_validate.c: request bodies; 0, or -1 with *e filled */
struct verr {
	char	field[64];
	char	msg[256];
};
int		 valid_overrides(json_t *, const char *field, struct verr *);
int		 valid_create(json_t *, struct verr *);
int		 valid_update(json_t *, struct verr *);

/* resp_ovrules.c: the rules that need the deployment or the defaults */
int		 ovr_create(json_t *, struct verr *);
int		 ovr_update(PGconn *, const char *id, const char *tag, json_t *,
		    struct verr *);

/* resp_deployments.c */
void		 api_ping(struct req *, const char **);
void		 api_project(struct req *, const char **);
void		 api_list(struct req *, const char **);
void		 api_get(struct req *, const char **);
json_t		*deployment_json(PGresult *, int row);

/* resp_change.c: what every change does (create, update, transitions) */
/* What a locked deployment row tells (STMT_DEP_LOCK). */
struct locked {
	char	id[24];
	char	status[32];
	long	version;
	char	tag[TAG_MAX_LEN + 1];
	int	busy;
};
int		 chg_lock(PGconn *, const char *name, struct locked *);
int		 chg_history(PGconn *, const char *id, const char *name,
		    const char *from, const char *to, const char *reason,
		    const char *actor);
int		 chg_queue_action_new(PGconn *, const char *depid,
		    const char *name, const char *from, const char *to,
		    const char *kind, const char *actor, json_t *request,
		    char *idbuf, size_t idlen);
json_t		*chg_masked(json_t *);
json_t		*chg_deployment_read(PGconn *, const char *name);
int		 chg_finish_new(struct req *, const char *id, const char *name,
		    const char *from, const char *to, const char *kind,
		    json_t *snap);
void		 chg_refuse_invalid(struct req *, struct verr *);
int		 chg_config_check_gate(struct req *, const char *kind,
		    const char *name, const char *tag, json_t *app,
		    json_t *depl);
int		 chg_insert_overrides(PGconn *, const char *id,
		    const char *scope, json_t *arr);
long		 chg_expected_version(struct req *, json_t *, int *bad);
int		 chg_begin(struct req *, const char *name, struct locked *,
		    const char *const *allowed, long want);
json_t		*chg_effective_overrides(PGconn *, const char *id, json_t *);

/* resp_create.c, resp_update.c, resp_transition.c: the changes */
void		 api_create(struct req *, const char **);
void		 api_update(struct req *, const char **);
void		 api_transition(struct req *, const char **);
void		 api_forget(struct req *, const char **);
void		 api_pin(struct req *, const char **);
void		 api_clean_archive(struct req *, const char **);

/* resp_actions.c */
void		 api_actions(struct req *, const char **);
void		 api_action(struct req *, const char **);
void		 api_output(struct req *, const char **);
void		 api_history(struct req *, const char **);
json_t		*action_json(PGresult *, int row);

/* resp_metrics.c: GET /metrics */
void		 api_metrics(struct req *, const char **);

/* ==== the runner ==== */

/* run_main.c: the runner process; returns its exit status */
int		 runner_main(void);

/* run_state.c: what the runner's threads may ask: stopping?, its name */
void		 run_state_init(void);
void		 run_state_stop(void);
int		 run_stopping(void);
const char	*run_name(void);

/* run_pool.c: a pool of threads, each with its own PGconn */
struct pool	*pool_new(const char *what, int nthreads, int ahead,
		    int connect, int wakefd);
int		 pool_threads(struct pool *);
int		 pool_push(struct pool *, void (*)(PGconn **, void *), void *);
int		 pool_free_slots(struct pool *);
int		 pool_idle(struct pool *);
void		 pool_stop(struct pool *);

/* run_held.c: the ids of the actions or checks held, under a lock */
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

/* run_action.c: claim queued actions onto a pool, run them */
int		 act_claim(PGconn *, struct pool *, struct held *);

/* run_checks.c: claim due status checks onto a pool, run them */
int		 chk_claim(PGconn *, struct pool *, int free_slots);
void		 chk_heartbeat(PGconn *);
void		 chk_free(void);

/* run_notify.c: the notifications script for each change, on its own pool */
int		 notify_start(void);
void		 notify_stop(void);
int		 notify_push(void (*)(PGconn **, void *), void *);
void		 notify_changes_new(json_t *changes);
int		 notify_script(const char *name, const char *tag,
		    const char *const *extra, char *why, size_t whylen);

/* run_fsm.c: the state changes of design section 4, each with its events. */
enum act_end { ACT_OK, ACT_FAILED, ACT_TIMED_OUT, ACT_INTERRUPTED };
int		 fsm_history(PGconn *, long long id, const char *name,
		    const char *from, const char *to, const char *reason,
		    const char *actor);
int		 fsm_set_status(PGconn *, long long id, const char *to,
		    const char *reason, const char *actor, json_t *changes);
int		 fsm_action_end(PGconn *, long long action, enum act_end,
		    int exit_code, const char *error, const char *reason,
		    json_t *links, const char *runner, json_t *changes);

/* run_expiry.c: archive expired deployments; queued count or -1 */
int		 exp_sweep(PGconn *);

/* run_retention.c: remove old actions' output; how many or -1 */
int		 ret_sweep(PGconn *);

#endif
