/*
 * fcgi/resp_create.c: POST deployments, a new deployment (its row, its
 * overrides and its queued create, in one transaction: resp_change.c).
 */
#include <stdio.h>
#include <string.h>

#include "extern.h"

/* POST deployments */
void
api_create(struct req *r, const char **args)
{
	json_t		*b = NULL, *app, *dep, *snap, *v;
	struct verr	 e;
	struct locked	 l;
	const char	*name, *tag, *p[5];
	char		 id[24], ttl[24];
	PGresult	*res;
	int		 rc;

	(void)args;
	if (json_body(r, &b) == -1)
		return;
	if (valid_create(b, &e) == -1 || ovr_create(b, &e) == -1) {
		chg_refuse_invalid(r, &e);
		goto out;
	}
	name = json_string_value(json_object_get(b, "name"));
	tag = json_string_value(json_object_get(b, "tag"));
	app = json_object_get(b, "app_overrides");
	dep = json_object_get(b, "deployment_overrides");
	if (app == NULL)
		json_object_set_new(b, "app_overrides", app = json_array());
	if (dep == NULL)
		json_object_set_new(b, "deployment_overrides",
		    dep = json_array());

	/* a taken name is refused before config_check runs (and again by
	 * the insert, should another create win meanwhile) */
	if (db_begin(r->db) == -1 ||
	    (rc = chg_lock(r->db, name, &l)) == -1)
		goto dberr;
	db_rollback(r->db);
	if (rc == 1) {
		resp_error_new(r, 409, "exists", NULL,
		    "a deployment named \"%s\" already exists", name);
		goto out;
	}
	if (chg_config_check_gate(r, "create", name, tag, app, dep) == -1)
		goto out;

	if (db_begin(r->db) == -1)
		goto dberr;
	v = json_object_get(b, "ttl");
	snprintf(ttl, sizeof(ttl), "%lld", v != NULL ?
	    (long long)json_integer_value(v) :
	    (long long)setting_int("DEFAULT_TTL"));
	p[0] = name;
	p[1] = tag;
	p[2] = r->actor;
	p[3] = ttl;
	p[4] = json_is_true(json_object_get(b, "pinned")) ? "t" : "f";
	res = db_exec(r->db, STMT_DEP_INSERT, 5, p);
	if (!db_accept(r->db, res, PGRES_TUPLES_OK, NULL)) {
		PQclear(res);
		goto dberr;
	}
	if (PQntuples(res) == 0) {
		PQclear(res);
		db_rollback(r->db);
		resp_error_new(r, 409, "exists", NULL,
		    "a deployment named \"%s\" already exists", name);
		goto out;
	}
	strlcpy_(id, PQgetvalue(res, 0, 0), sizeof(id));
	PQclear(res);

	if (chg_insert_overrides(r->db, id, "app", app) == -1 ||
	    chg_insert_overrides(r->db, id, "deployment", dep) == -1)
		goto dberr;
	snap = json_pack("{s:s, s:o, s:o}", "tag", tag, "app_overrides",
	    chg_masked(app), "deployment_overrides", chg_masked(dep));
	if (chg_finish_new(r, id, name, NULL, "CreatePending", "create",
	    snap) == -1)
		goto dberr;
	goto out;
dberr:
	db_rollback(r->db);
	resp_db_error(r);
out:
	json_decref(b);
}
