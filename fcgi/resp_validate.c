/*
 * fcgi/resp_validate.c: the shape and the rules of request bodies
 * (docs/API.md). Each check returns 0, or -1 with the offending field
 * and why in *e. Nothing here touches the database, so the unit tests
 * drive it directly.
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "extern.h"

static int
verr(struct verr *e, const char *field, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static int
verr(struct verr *e, const char *field, const char *fmt, ...)
{
	va_list ap;

	strlcpy_(e->field, field, sizeof(e->field));
	va_start(ap, fmt);
	vsnprintf(e->msg, sizeof(e->msg), fmt, ap);
	va_end(ap);
	return -1;
}

/* Every key of o must be one of the NULL-terminated list. */
static int
only_keys(json_t *o, const char *const *allowed, const char *where,
    struct verr *e)
{
	const char	*k;
	json_t		*v;
	size_t		 i;

	json_object_foreach(o, k, v) {
		for (i = 0; allowed[i] != NULL; i++)
			if (strcmp(k, allowed[i]) == 0)
				break;
		if (allowed[i] == NULL) {
			char f[64];

			/* the field itself, in the path of its object */
			snprintf(f, sizeof(f), "%s%s%.40s", where,
			    *where ? "." : "", k);
			return verr(e, f, "unknown field \"%.64s\"", k);
		}
	}
	return 0;
}

/* A string field that must be there and pass rule. */
static int
string_field(json_t *o, const char *name, const char *(*rule)(const char *,
    size_t), struct verr *e)
{
	json_t		*v = json_object_get(o, name);
	const char	*why;

	if (v == NULL)
		return verr(e, name, "%s is required", name);
	if (!json_is_string(v))
		return verr(e, name, "%s must be a string", name);
	if ((why = rule(json_string_value(v), json_string_length(v))) != NULL)
		return verr(e, name, "%s", why);
	return 0;
}

/*
 * An array of overrides [{key, value, secret?}], keys unique, at most
 * OVERRIDES_MAX. field names the array in messages.
 */
int
valid_overrides(json_t *arr, const char *field, struct verr *e)
{
	static const char *const allowed[] = { "key", "value", "secret", NULL };
	char		 where[64];
	size_t		 i, j;
	json_t		*o, *v;
	const char	*why;

	if (!json_is_array(arr))
		return verr(e, field, "%s must be an array", field);
	if (json_array_size(arr) > OVERRIDES_MAX)
		return verr(e, field, "%s has more than %d entries", field,
		    OVERRIDES_MAX);
	json_array_foreach(arr, i, o) {
		snprintf(where, sizeof(where), "%s[%zu]", field, i);
		if (!json_is_object(o))
			return verr(e, where, "%s must be an object", where);
		if (only_keys(o, allowed, where, e) == -1)
			return -1;
		v = json_object_get(o, "key");
		if (!json_is_string(v))
			return verr(e, where, "%s.key must be a string", where);
		if ((why = valid_key(json_string_value(v),
		    json_string_length(v))) != NULL)
			return verr(e, where, "%s.key: %s", where, why);
		v = json_object_get(o, "value");
		if (!json_is_string(v))
			return verr(e, where, "%s.value must be a string",
			    where);
		if ((why = valid_value(json_string_value(v),
		    json_string_length(v))) != NULL)
			return verr(e, where, "%s.value: %s", where, why);
		v = json_object_get(o, "secret");
		if (v != NULL && !json_is_boolean(v))
			return verr(e, where, "%s.secret must be true or false",
			    where);
		for (j = 0; j < i; j++)
			if (json_equal(json_object_get(json_array_get(arr, j),
			    "key"), json_object_get(o, "key")))
				return verr(e, where, "%s: key \"%s\" appears "
				    "twice", field, json_string_value(
				    json_object_get(o, "key")));
	}
	return 0;
}

/* "ttl": absent, or whole seconds from 0 (never expires) to ten years */
static int
valid_ttl(json_t *b, struct verr *e)
{
	json_t *v = json_object_get(b, "ttl");

	if (v != NULL && (!json_is_integer(v) || json_integer_value(v) < 0 ||
	    json_integer_value(v) > TTL_MAX))
		return verr(e, "ttl", "ttl must be a number of seconds from 0 "
		    "(never expires) to %d", TTL_MAX);
	return 0;
}

/* POST deployments: {name, tag, app_overrides?, deployment_overrides?} */
int
valid_create(json_t *b, struct verr *e)
{
	static const char *const allowed[] = { "name", "tag", "app_overrides",
	    "deployment_overrides", "ttl", "pinned", NULL };
	json_t *v;

	if (only_keys(b, allowed, "", e) == -1 ||
	    string_field(b, "name", valid_name, e) == -1 ||
	    string_field(b, "tag", valid_tag, e) == -1 ||
	    valid_ttl(b, e) == -1)
		return -1;
	if ((v = json_object_get(b, "pinned")) != NULL && !json_is_boolean(v))
		return verr(e, "pinned", "pinned must be true or false");
	if ((v = json_object_get(b, "app_overrides")) != NULL &&
	    valid_overrides(v, "app_overrides", e) == -1)
		return -1;
	if ((v = json_object_get(b, "deployment_overrides")) != NULL &&
	    valid_overrides(v, "deployment_overrides", e) == -1)
		return -1;
	return 0;
}

/* An array of keys under field.name (unset, delete); 0 or -1. */
static int
valid_keys(json_t *keys, const char *field, const char *name, struct verr *e)
{
	char		 where[64];
	json_t		*k;
	size_t		 i;
	const char	*why;

	snprintf(where, sizeof(where), "%s.%s", field, name);
	if (keys == NULL)
		return 0;
	if (!json_is_array(keys))
		return verr(e, where, "%s must be an array of keys", where);
	if (json_array_size(keys) > OVERRIDES_MAX)
		return verr(e, where, "%s has more than %d entries", where,
		    OVERRIDES_MAX);
	json_array_foreach(keys, i, k) {
		snprintf(where, sizeof(where), "%s.%s[%zu]", field, name, i);
		if (!json_is_string(k))
			return verr(e, where, "%s must be a string", where);
		if ((why = valid_key(json_string_value(k),
		    json_string_length(k))) != NULL)
			return verr(e, where, "%s: %s", where, why);
	}
	return 0;
}

/* Whether the string k is among the keys of a (strings or {key}). */
static int
has_key(json_t *a, json_t *k)
{
	json_t	*o;
	size_t	 i;

	json_array_foreach(a, i, o)
		if (json_equal(json_is_object(o) ? json_object_get(o, "key") : o,
		    k))
			return 1;
	return 0;
}

/*
 * {set: [overrides], unset: [keys], delete: [keys]}, a key in at most one
 * of them. delete removes a default's key (Octopod's deleted override).
 */
static int
valid_change(json_t *c, const char *field, struct verr *e)
{
	static const char *const allowed[] = { "set", "unset", "delete",
	    NULL };
	char		 where[64];
	json_t		*set, *unset, *del, *k;
	size_t		 i;

	if (!json_is_object(c))
		return verr(e, field, "%s must be an object with \"set\", "
		    "\"unset\" and/or \"delete\"", field);
	if (only_keys(c, allowed, field, e) == -1)
		return -1;
	set = json_object_get(c, "set");
	unset = json_object_get(c, "unset");
	del = json_object_get(c, "delete");
	snprintf(where, sizeof(where), "%s.set", field);
	if (set != NULL && valid_overrides(set, where, e) == -1)
		return -1;
	if (valid_keys(unset, field, "unset", e) == -1 ||
	    valid_keys(del, field, "delete", e) == -1)
		return -1;
	json_array_foreach(unset, i, k)
		if (has_key(set, k)) {
			snprintf(where, sizeof(where), "%s.unset[%zu]", field, i);
			return verr(e, where, "key \"%s\" is both set and "
			    "unset", json_string_value(k));
		}
	json_array_foreach(del, i, k)
		if (has_key(set, k) || has_key(unset, k)) {
			snprintf(where, sizeof(where), "%s.delete[%zu]", field, i);
			return verr(e, where, "key \"%s\" is deleted and also "
			    "set or unset", json_string_value(k));
		}
	return 0;
}

/* PATCH deployments/NAME: {tag?, version?, app_overrides?, deployment_overrides?} */
int
valid_update(json_t *b, struct verr *e)
{
	static const char *const allowed[] = { "tag", "version",
	    "app_overrides", "deployment_overrides", "ttl", NULL };
	json_t *v;

	if (only_keys(b, allowed, "", e) == -1 || valid_ttl(b, e) == -1)
		return -1;
	if (json_object_get(b, "tag") != NULL &&
	    string_field(b, "tag", valid_tag, e) == -1)
		return -1;
	if ((v = json_object_get(b, "version")) != NULL &&
	    (!json_is_integer(v) || json_integer_value(v) < 1))
		return verr(e, "version", "version must be a positive integer");
	if ((v = json_object_get(b, "app_overrides")) != NULL &&
	    valid_change(v, "app_overrides", e) == -1)
		return -1;
	if ((v = json_object_get(b, "deployment_overrides")) != NULL &&
	    valid_change(v, "deployment_overrides", e) == -1)
		return -1;
	if (json_object_get(b, "tag") == NULL &&
	    json_object_get(b, "app_overrides") == NULL &&
	    json_object_get(b, "deployment_overrides") == NULL &&
	    json_object_get(b, "ttl") == NULL)
		return verr(e, "", "nothing to update: give a tag, a ttl or "
		    "override changes");
	return 0;
}
