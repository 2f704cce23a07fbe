/*
 * fcgi/resp_ovrules.c: the rules of a change's overrides that need more than
 * its body (docs/API.md "Overrides"): what the deployment has (an unset
 * of a key it does not have is refused), the tag against an image.tag
 * override, and the defaults (a value equal to its key's default is no
 * override, as in Octopod: it is dropped). Run by the create and update
 * requests before anything is written.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "extern.h"

/* The entry of key in arr of {key,...}, or NULL. */
static json_t *
entry_of(json_t *arr, const char *key)
{
	json_t	*o;
	size_t	 i;

	json_array_foreach(arr, i, o)
		if (json_is_string(json_object_get(o, "key")) &&
		    strcmp(json_string_value(json_object_get(o, "key")), key) == 0)
			return o;
	return NULL;
}

/* The value of key in arr of {key,value}, or NULL (none, or deleted). */
static const char *
value_of(json_t *arr, const char *key)
{
	json_t *o = entry_of(arr, key);

	if (o == NULL || json_is_true(json_object_get(o, "deleted")))
		return NULL;
	return json_string_value(json_object_get(o, "value"));
}

/* An image.tag among app overrides arr that is not tag: refused. */
static int
tag_agrees(const char *tag, json_t *arr, const char *field, struct verr *e)
{
	const char *v = value_of(arr, "image.tag");

	if (tag != NULL && v != NULL && strcmp(v, tag) != 0) {
		strlcpy_(e->field, field, sizeof(e->field));
		snprintf(e->msg, sizeof(e->msg), "the override image.tag "
		    "(\"%.60s\") disagrees with the tag (\"%.60s\"): give "
		    "one of them, or the same value in both", v, tag);
		return -1;
	}
	return 0;
}

/*
 * Move out of set (an array of {key,value,secret}) every entry that is
 * not secret and whose value is the default of its key (defs, from the
 * *_overrides script); their keys are appended to dropped when it is not
 * NULL. Returns how many.
 */
static size_t
drop_defaults(json_t *set, json_t *defs, json_t *dropped)
{
	size_t		 i = 0, n = 0;
	json_t		*o;
	const char	*k, *d;

	while (i < json_array_size(set)) {
		o = json_array_get(set, i);
		k = json_string_value(json_object_get(o, "key"));
		if (k != NULL && !json_is_true(json_object_get(o, "secret")) &&
		    (d = value_of(defs, k)) != NULL &&
		    strcmp(d, json_string_value(json_object_get(o, "value"))) == 0) {
			if (dropped != NULL)
				json_array_append_new(dropped, json_string(k));
			json_array_remove(set, i);
			n++;
			continue;
		}
		i++;
	}
	return n;
}

/* The defaults of scope, for a deployment with deployment overrides depl. */
static json_t *
defaults(const char *scope, json_t *depl)
{
	json_t	*eff, *d;
	char	*err = NULL;

	if (strcmp(scope, "deployment") == 0) {
		d = keys_get("deployment_overrides", NULL, &err);
	} else {
		eff = strcmp(setting_str("CONTROL_SCRIPT_ARGS"), "v2") == 0 ?
		    keys_effective_depl(depl) : NULL;
		d = keys_get("app_overrides", eff, &err);
		json_decref(eff);
	}
	free(err);		/* no defaults: nothing is dropped */
	return d != NULL ? d : json_array();
}

/*
 * A create's overrides (b is its valid body): the tag and image.tag
 * agree; values equal to their defaults are dropped from the body.
 * Returns 0, or -1 with *e filled.
 */
int
ovr_create(json_t *b, struct verr *e)
{
	json_t	*app = json_object_get(b, "app_overrides");
	json_t	*depl = json_object_get(b, "deployment_overrides"), *defs;

	if (tag_agrees(json_string_value(json_object_get(b, "tag")), app,
	    "app_overrides", e) == -1)
		return -1;
	if (json_array_size(app) > 0) {
		defs = defaults("app", depl);
		drop_defaults(app, defs, NULL);
		json_decref(defs);
	}
	if (json_array_size(depl) > 0) {
		defs = defaults("deployment", NULL);
		drop_defaults(depl, defs, NULL);
		json_decref(defs);
	}
	return 0;
}

/*
 * An update's overrides (b is its valid body) against deployment id, in
 * its locked transaction: every key to unset is an override it has; the
 * tag (the new one, else tag) and an image.tag override after the change
 * agree; a value set to its default is no override: moved from "set" to
 * "unset" (the override it replaces, if any, goes). Returns 0, -1 with
 * *e filled, -2 on a database error.
 */
int
ovr_update(PGconn *c, const char *id, const char *tag, json_t *b,
    struct verr *e)
{
	static const char *const scopes[2] = { "app", "deployment" };
	const char	*p[1] = { id }, *k;
	PGresult	*res = db_exec(c, STMT_OVERRIDES_ALL, 1, p);
	json_t		*have[2], *chg, *set, *unset, *o, *defs;
	char		 field[64];
	size_t		 i, j;
	int		 s, row, rc = -2, found;

	if (!db_accept(c, res, PGRES_TUPLES_OK, NULL)) {
		PQclear(res);
		return -2;
	}
	/* what the deployment has, with the change applied */
	for (s = 0; s < 2; s++) {
		have[s] = json_array();
		for (row = 0; row < PQntuples(res); row++)
			if (strcmp(PQgetvalue(res, row, 0), scopes[s]) == 0)
				json_array_append_new(have[s], json_pack(
				    "{s:s, s:s, s:b}", "key", PQgetvalue(res, row,
				    1), "value", PQgetvalue(res, row, 2),
				    "deleted", PQgetvalue(res, row, 4)[0] == 't'));
	}
	PQclear(res);
	for (s = 0; s < 2; s++) {
		snprintf(field, sizeof(field), "%s_overrides", scopes[s]);
		chg = json_object_get(b, field);
		json_array_foreach(json_object_get(chg, "unset"), i, o) {
			k = json_string_value(o);
			if (entry_of(have[s], k) == NULL) {
				snprintf(field, sizeof(field),
				    "%s_overrides.unset[%zu]", scopes[s], i);
				strlcpy_(e->field, field, sizeof(e->field));
				snprintf(e->msg, sizeof(e->msg), "there is no "
				    "%s override \"%.200s\" to unset", scopes[s],
				    k);
				rc = -1;
				goto out;
			}
		}
	}
	for (s = 0; s < 2; s++) {
		snprintf(field, sizeof(field), "%s_overrides", scopes[s]);
		chg = json_object_get(b, field);
		json_array_foreach(json_object_get(chg, "unset"), i, o)
			for (j = 0; j < json_array_size(have[s]); j++)
				if (strcmp(json_string_value(json_object_get(
				    json_array_get(have[s], j), "key")),
				    json_string_value(o)) == 0) {
					json_array_remove(have[s], j);
					break;
				}
		json_array_foreach(json_object_get(chg, "set"), i, o) {
			found = 0;
			for (j = 0; j < json_array_size(have[s]); j++)
				if (json_equal(json_object_get(json_array_get(
				    have[s], j), "key"), json_object_get(o,
				    "key"))) {
					json_array_set(have[s], j, o);
					found = 1;
				}
			if (!found)
				json_array_append(have[s], o);
		}
	}
	/* delete: only a key that has a default */
	for (s = 0; s < 2; s++) {
		snprintf(field, sizeof(field), "%s_overrides", scopes[s]);
		chg = json_object_get(b, field);
		if (json_array_size(json_object_get(chg, "delete")) == 0)
			continue;
		defs = defaults(scopes[s], have[1]);
		json_array_foreach(json_object_get(chg, "delete"), i, o)
			if (value_of(defs, json_string_value(o)) == NULL) {
				snprintf(field, sizeof(field),
				    "%s_overrides.delete[%zu]", scopes[s], i);
				strlcpy_(e->field, field, sizeof(e->field));
				snprintf(e->msg, sizeof(e->msg), "\"%.200s\" "
				    "has no %s default to remove", json_string_value(o),
				    scopes[s]);
				json_decref(defs);
				rc = -1;
				goto out;
			}
		json_decref(defs);
	}
	if (tag_agrees(json_string_value(json_object_get(b, "tag")) ?
	    json_string_value(json_object_get(b, "tag")) : tag, have[0],
	    "app_overrides", e) == -1) {
		rc = -1;
		goto out;
	}
	for (s = 0; s < 2; s++) {
		snprintf(field, sizeof(field), "%s_overrides", scopes[s]);
		chg = json_object_get(b, field);
		if ((set = json_object_get(chg, "set")) == NULL ||
		    json_array_size(set) == 0)
			continue;
		defs = defaults(scopes[s], have[1]);
		if ((unset = json_object_get(chg, "unset")) == NULL)
			json_object_set_new(chg, "unset", unset = json_array());
		drop_defaults(set, defs, unset);
		json_decref(defs);
	}
	rc = 0;
out:
	json_decref(have[0]);
	json_decref(have[1]);
	return rc;
}
