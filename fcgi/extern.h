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

/* A thread of a responder: its own FastCGI request and database handle. */
struct worker {
	int		 id;
	FCGX_Request	 fr;
	PGconn		*db;
};

enum door { DOOR_UI, DOOR_POWER };

/* One request, alive from accept to finish (http.c fills it). */
struct req {
	struct worker	*w;
	PGconn		*db;
	const char	*method;
	char		 path[1024];	/* after /api/v1/, no query */
	const char	*query;		/* raw query string or "" */
	enum door	 door;
	char		 actor[ACTOR_MAX_LEN];
	char		*body;		/* NUL-terminated, bodylen bytes */
	size_t		 bodylen;
	int		 status;	/* answered with this, 0 before */
};

/* http.c */
int		 http_read(struct req *, FCGX_Request *);
void		 http_free(struct req *);
void		 resp_json(struct req *, int status, json_t *body);
void		 resp_error(struct req *, int status, const char *code,
		    json_t *details, const char *fmt, ...)
		    __attribute__((format(printf, 5, 6)));
void		 resp_db_error(struct req *, PGresult *);
const char	*http_header(struct req *, const char *envname);
int		 query_get(const char *query, const char *key, char *buf,
		    size_t buflen);
int		 json_body(struct req *, json_t **out);

/* routes.c */
void		 route(struct req *);

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

/* deployments.c */
void		 api_ping(struct req *, const char **);
void		 api_project(struct req *, const char **);
void		 api_list(struct req *, const char **);
void		 api_create(struct req *, const char **);
void		 api_get(struct req *, const char **);
void		 api_update(struct req *, const char **);
void		 api_transition(struct req *, const char **);
void		 api_forget(struct req *, const char **);
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

/* migrate.c */
int		 migrate(const char *dir);

/* responder.c */
int		 responder_main(int listenfd);

/* runner.c: the runner process; returns the exit status. */
int		 runner_main(void);

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

#endif
