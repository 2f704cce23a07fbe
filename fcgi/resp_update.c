/*
 * fcgi/resp_update.c: PATCH deployments/NAME, a new tag and overrides
 * (the change and its queued update in one transaction: resp_change.c).
 */
#include <stdio.h>
#include <string.h>

#include "extern.h"

/* PATCH deployments/NAME */
void
api_update(struct req *r, const char **args)
{
	static const char *const allowed[] = { "Running", "Failure", NULL };
	const char	*name = args[0], *tag, *scopes[2] = { "app",
			    "deployment" }, *p[3];
	json_t		*b = NULL, *eff = NULL, *snap, *chg, *o;
	struct verr	 e;
	struct locked	 l;
	char		 field[32], ttl[24];
	long		 want;
	int		 rc, bad, s;
	size_t		 i;

	if (json_body(r, &b) == -1)
		return;
	if (valid_update(b, &e) == -1) {
		chg_refuse_invalid(r, &e);
		goto out;
	}
	want = chg_expected_version(r, b, &bad);
	if (bad) {
		resp_error_new(r, 400, "invalid", json_pack("{s:s}", "field",
		    "If-Match"), "If-Match must be the deployment's version");
		goto out;
	}
	tag = json_string_value(json_object_get(b, "tag"));

	/* read what config_check needs, let go of the row, check, then
	 * lock again: the version must be the one that was checked */
	if ((rc = chg_begin(r, name, &l, allowed, want)) == -1)
		goto dberr;
	if (rc == 0)
		goto out;
	if ((rc = ovr_update(r->db, l.id, l.tag, b, &e)) == -2)
		goto dberr;
	if (rc == -1) {
		db_rollback(r->db);
		chg_refuse_invalid(r, &e);
		goto out;
	}
	if ((eff = chg_effective_overrides(r->db, l.id, b)) == NULL)
		goto dberr;
	db_rollback(r->db);
	if (chg_config_check_gate(r, "update", name, tag ? tag : l.tag,
	    json_object_get(eff, "app"), json_object_get(eff, "deployment"))
	    == -1)
		goto out;
	if ((rc = chg_begin(r, name, &l, allowed, l.version)) == -1)
		goto dberr;
	if (rc == 0)
		goto out;

	snap = json_object();
	if (tag != NULL)
		json_object_set_new(snap, "tag", json_string(tag));
	json_object_set_new(snap, "previous_tag", json_string(l.tag));
	for (s = 0; s < 2; s++) {
		snprintf(field, sizeof(field), "%s_overrides", scopes[s]);
		if ((chg = json_object_get(b, field)) == NULL)
			continue;
		if (chg_insert_overrides(r->db, l.id, scopes[s],
		    json_object_get(chg, "set")) == -1) {
			json_decref(snap);
			goto dberr;
		}
		json_array_foreach(json_object_get(chg, "unset"), i, o) {
			p[0] = l.id;
			p[1] = scopes[s];
			p[2] = json_string_value(o);
			if (db_cmd(r->db, STMT_OVERRIDE_DELETE, 3, p, NULL) == -1) {
				json_decref(snap);
				goto dberr;
			}
		}
		/* a default's key removed: Octopod's deleted override */
		json_array_foreach(json_object_get(chg, "delete"), i, o) {
			p[0] = l.id;
			p[1] = scopes[s];
			p[2] = json_string_value(o);
			if (db_cmd(r->db, STMT_OVERRIDE_REMOVE_DEFAULT, 3, p, NULL) == -1) {
				json_decref(snap);
				goto dberr;
			}
		}
		json_object_set_new(snap, field, json_pack("{s:o, s:o, s:O*}",
		    "set", chg_masked(json_object_get(chg, "set")), "unset",
		    json_object_get(chg, "unset") ? json_incref(
		    json_object_get(chg, "unset")) : json_array(), "delete",
		    json_object_get(chg, "delete")));
	}
	{
		const char *pc[4] = { l.id, "UpdatePending", r->actor, tag };
		const char *pt[2] = { l.id, NULL };
		json_t *v = json_object_get(b, "ttl");

		if (v != NULL) {
			snprintf(ttl, sizeof(ttl), "%lld",
			    (long long)json_integer_value(v));
			pt[1] = ttl;
			json_object_set_new(snap, "ttl", json_copy(v));
		}
		if (db_cmd(r->db, STMT_DEP_CHANGE, 4, pc, NULL)
		    == -1 || db_cmd(r->db, STMT_DEP_EXPIRY_RESET, 2, pt, NULL) == -1) {
			json_decref(snap);
			goto dberr;
		}
	}
	if (chg_finish_new(r, l.id, name, l.status, "UpdatePending", "update",
	    snap) == -1)
		goto dberr;
	goto out;
dberr:
	db_rollback(r->db);
	resp_db_error(r);
out:
	json_decref(eff);
	json_decref(b);
}
