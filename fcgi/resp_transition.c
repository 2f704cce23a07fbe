/*
 * fcgi/resp_transition.c: the changes that take no body (archive,
 * restore, cleanup), pin/unpin, DELETE (forget) and clean_archive.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "extern.h"

/* The transitions that take no body. */
static const struct transition {
	const char	*kind;
	const char	*allowed[3];
	const char	*to;		/* NULL: status unchanged */
} transitions[] = {
	{ .kind = "archive", .allowed = { "Running", "Failure", NULL },
	  .to = "ArchivePending" },
	{ .kind = "restore", .allowed = { "Archived", NULL, NULL },
	  .to = "CreatePending" },
	{ .kind = "cleanup", .allowed = { "Archived", "CleanupFailed", NULL },
	  .to = NULL },
};

/* POST deployments/NAME/archive|restore|cleanup */
void
api_transition(struct req *r, const char **args)
{
	const struct transition	*t = NULL;
	const char		*name = args[0], *verb, *p[4];
	struct locked		 l;
	json_t			*eff = NULL;
	long			 want;
	int			 rc, bad;
	size_t			 i;

	verb = strrchr(r->path, '/') + 1;
	for (i = 0; i < sizeof(transitions) / sizeof(transitions[0]); i++)
		if (strcmp(transitions[i].kind, verb) == 0)
			t = &transitions[i];
	if (t == NULL) {
		resp_error_new(r, 404, "not_found", NULL, "no such route");
		return;
	}
	want = chg_expected_version(r, NULL, &bad);
	if (bad) {
		resp_error_new(r, 400, "invalid", json_pack("{s:s}", "field",
		    "If-Match"), "If-Match must be the deployment's version");
		return;
	}
	if ((rc = chg_begin(r, name, &l, t->allowed, want)) == -1)
		goto dberr;
	if (rc == 0)
		return;
	if (strcmp(t->kind, "restore") == 0) {
		/* as for an update: config_check with the row let go */
		json_t *none = json_object();

		eff = chg_effective_overrides(r->db, l.id, none);
		json_decref(none);
		if (eff == NULL)
			goto dberr;
		db_rollback(r->db);
		rc = chg_config_check_gate(r, "restore", name, l.tag,
		    json_object_get(eff, "app"),
		    json_object_get(eff, "deployment"));
		json_decref(eff);
		if (rc == -1)
			return;
		if ((rc = chg_begin(r, name, &l, t->allowed, l.version))
		    == -1)
			goto dberr;
		if (rc == 0)
			return;
	}
	p[0] = l.id;
	p[1] = t->to;
	p[2] = r->actor;
	p[3] = NULL;
	if (db_cmd(r->db, STMT_DEP_CHANGE, 4, p, NULL) == -1)
		goto dberr;
	p[1] = NULL;	/* restore: the expiry starts again, same ttl */
	if (strcmp(t->kind, "restore") == 0 && db_cmd(r->db,
	    STMT_DEP_EXPIRY_RESET, 2, p, NULL) == -1)
		goto dberr;
	if (chg_finish_new(r, l.id, name, l.status, t->to, t->kind,
	    json_pack("{s:s}", "tag", l.tag)) == -1)
		goto dberr;
	return;
dberr:
	db_rollback(r->db);
	resp_db_error(r);
}

/*
 * POST deployments/NAME/pin|unpin: keep a deployment from expiring (or
 * not). No action and no script: the answer is 200 {deployment}.
 */
void
api_pin(struct req *r, const char **args)
{
	const char	*name = args[0], *p[3];
	PGresult	*res;
	json_t		*dep;
	int		 pin;

	pin = strcmp(strrchr(r->path, '/') + 1, "pin") == 0;
	p[0] = name;
	p[1] = pin ? "t" : "f";
	p[2] = r->actor;
	if (db_begin(r->db) == -1)
		goto dberr;
	res = db_exec(r->db, STMT_DEP_PIN, 3, p);
	if (!db_accept(r->db, res, PGRES_TUPLES_OK, NULL)) {
		PQclear(res);
		goto dberr;
	}
	if (PQntuples(res) == 0) {
		PQclear(res);
		db_rollback(r->db);
		resp_error_new(r, 404, "not_found", NULL,
		    "no deployment named \"%.63s\"", name);
		return;
	}
	if (event_deployment(r->db, PQgetvalue(res, 0, 0)) == -1) {
		PQclear(res);
		goto dberr;
	}
	PQclear(res);
	if (db_commit(r->db) == -1)
		goto dberr;
	log_info("%s %s %s", r->actor, pin ? "pinned" : "unpinned", name);
	if ((dep = chg_deployment_read(r->db, name)) != NULL)
		resp_json_new(r, 200, json_pack("{s:o}", "deployment", dep));
	else
		resp_db_error(r);
	return;
dberr:
	db_rollback(r->db);
	resp_db_error(r);
}

/* DELETE deployments/NAME (power): forget the record, run no script. */
void
api_forget(struct req *r, const char **args)
{
	static const char *const any[] = { "CreatePending", "Running",
	    "Failure", "UpdatePending", "ArchivePending", "Archived",
	    "CleanupFailed", NULL };
	const char	*name = args[0], *p[1];
	struct locked	 l;
	long		 want;
	int		 rc;

	/* a bad If-Match counts as none here, as before */
	want = chg_expected_version(r, NULL, &rc);
	if ((rc = chg_begin(r, name, &l, any, want)) == -1)
		goto dberr;
	if (rc == 0)
		return;
	p[0] = l.id;
	if (chg_history(r->db, l.id, name, l.status, "Forgotten", "forget",
	    r->actor) == -1 ||
	    db_cmd(r->db, STMT_DEP_DELETE, 1, p, NULL) == -1 ||
	    event_removed(r->db, name) == -1 ||
	    db_commit(r->db) == -1)
		goto dberr;
	log_info("%s forgot %s", r->actor, name);
	resp_json_new(r, 200, json_pack("{s:s}", "forgotten", name));
	return;
dberr:
	db_rollback(r->db);
	resp_db_error(r);
}

/*
 * POST clean_archive (power) {older_than?: seconds, dry_run?: bool}:
 * queue cleanup for every deployment archived longer than that.
 */
void
api_clean_archive(struct req *r, const char **args)
{
	json_t		*b = NULL, *v, *names = json_array(), *acts = json_array();
	long		 older = setting_int("ARCHIVE_RETENTION");
	int		 dry = 0, i, n;
	char		 obuf[24], actid[24];
	const char	*p[4];
	PGresult	*res = NULL;

	(void)args;
	if (r->bodylen > 0) {
		if (json_body(r, &b) == -1)
			goto out;
		v = json_object_get(b, "older_than");
		if (v != NULL && (!json_is_integer(v) ||
		    json_integer_value(v) < 0 ||
		    json_integer_value(v) > 315360000)) {
			resp_error_new(r, 400, "invalid", json_pack("{s:s}",
			    "field", "older_than"), "older_than must be a "
			    "number of seconds from 0 to 315360000");
			goto out;
		}
		if (v != NULL)
			older = (long)json_integer_value(v);
		v = json_object_get(b, "dry_run");
		if (v != NULL && !json_is_boolean(v)) {
			resp_error_new(r, 400, "invalid", json_pack("{s:s}",
			    "field", "dry_run"), "dry_run must be true or false");
			goto out;
		}
		dry = json_is_true(v);
	}
	snprintf(obuf, sizeof(obuf), "%ld", older);
	p[0] = obuf;
	if (db_begin(r->db) == -1)
		goto dberr;
	res = db_exec(r->db, STMT_CLEAN_CANDIDATES, 1, p);
	if (!db_accept(r->db, res, PGRES_TUPLES_OK, NULL))
		goto dberr;
	n = PQntuples(res);
	for (i = 0; i < n; i++) {
		const char *id = PQgetvalue(res, i, 0);
		const char *name = PQgetvalue(res, i, 1);

		json_array_append_new(names, json_string(name));
		if (dry)
			continue;
		p[0] = id;
		p[1] = NULL;
		p[2] = r->actor;
		p[3] = NULL;
		if (db_cmd(r->db, STMT_DEP_CHANGE, 4, p, NULL) == -1
		    || chg_queue_action_new(r->db, id, name, NULL, NULL, "cleanup",
		    r->actor, json_pack("{s:s, s:I}", "set the failure reason",
		    "clean_archive", "older_than", (json_int_t)older), actid,
		    sizeof(actid)) == -1)
			goto dberr;
		json_array_append_new(acts, json_integer(strtoll(actid, NULL,
		    10)));
	}
	PQclear(res);
	res = NULL;
	if (dry)
		db_rollback(r->db);
	else if (db_commit(r->db) == -1)
		goto dberr;
	log_info("%s: clean_archive older than %ld s: %zu deployment(s)%s",
	    r->actor, older, json_array_size(names), dry ? " (dry run)" : "");
	resp_json_new(r, 200, json_pack("{s:b, s:I, s:O, s:O}", "dry_run", dry,
	    "older_than", (json_int_t)older, "deployments", names, "actions",
	    acts));
	goto out;
dberr:
	PQclear(res);
	db_rollback(r->db);
	resp_db_error(r);
out:
	json_decref(names);
	json_decref(acts);
	json_decref(b);
}
