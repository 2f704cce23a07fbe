/*
 * notifier/cmsg.c: a client's message (docs/events.md, client → server)
 * parsed into a struct cmsg: pure, no lws, no state, so that it can be
 * fuzzed (t/fuzz/fuzz_notifier_msg.c). clients.c acts on the result.
 */
#include <stdio.h>
#include <string.h>

#include "extern.h"

static const char	BAD_WHAT[] = "the subscription must be \"list\", "
			    "\"deployment\" or \"output\"";

/*
 * Parse p (len bytes, untrusted) into m. Returns NULL when good, else the
 * error code ("bad_json", "bad_message") with its message in why (whylen
 * bytes, always terminated). Nothing to free either way.
 */
const char *
cmsg_parse(const char *p, size_t len, struct cmsg *m, char *why,
    size_t whylen)
{
	json_t		*j, *v;
	json_error_t	 e;
	const char	*what, *name, *bad, *code = "bad_message";

	memset(m, 0, sizeof(*m));
	why[0] = '\0';
	if ((j = json_loadb(p, len, JSON_REJECT_DUPLICATES, &e)) == NULL) {
		snprintf(why, whylen, "invalid JSON: %s", e.text);
		return "bad_json";
	}
	if (!json_is_object(j)) {
		snprintf(why, whylen, "a message must be a JSON object");
		goto bad;
	}
	m->on = (v = json_object_get(j, "subscribe")) != NULL;
	if (!m->on && (v = json_object_get(j, "unsubscribe")) == NULL) {
		snprintf(why, whylen, "expected \"subscribe\" or "
		    "\"unsubscribe\"");
		goto bad;
	}
	if ((what = json_string_value(v)) == NULL) {
		snprintf(why, whylen, "%s", BAD_WHAT);
		goto bad;
	}
	if (strcmp(what, "list") == 0)
		m->what = CMSG_LIST;
	else if (strcmp(what, "deployment") == 0) {
		m->what = CMSG_DEPLOYMENT;
		v = json_object_get(j, "name");
		if ((name = json_string_value(v)) == NULL) {
			snprintf(why, whylen, "\"name\" must be a string");
			goto bad;
		}
		if ((bad = valid_name(name, json_string_length(v))) != NULL) {
			snprintf(why, whylen, "invalid name: %s", bad);
			goto bad;
		}
		strlcpy_(m->name, name, sizeof(m->name));
	} else if (strcmp(what, "output") == 0) {
		m->what = CMSG_OUTPUT;
		v = json_object_get(j, "action");
		if (!json_is_integer(v) || (m->action =
		    json_integer_value(v)) <= 0) {
			snprintf(why, whylen, "\"action\" must be a positive "
			    "integer");
			goto bad;
		}
		v = json_object_get(j, "after");
		if (v != NULL && (!json_is_integer(v) ||
		    (m->after = json_integer_value(v)) < 0)) {
			snprintf(why, whylen, "\"after\" must be an integer, "
			    "0 or more");
			goto bad;
		}
	} else {
		snprintf(why, whylen, "%s", BAD_WHAT);
		goto bad;
	}
	json_decref(j);
	return NULL;
bad:
	json_decref(j);
	return code;
}

/* The word of a subscription kind: "list", "deployment", "output". */
const char *
cmsg_what(enum cmsg_what w)
{
	static const char *const words[CMSG__MAX] = {
		[CMSG_LIST] = "list",
		[CMSG_DEPLOYMENT] = "deployment",
		[CMSG_OUTPUT] = "output",
	};

	return w < CMSG__MAX ? words[w] : "?";
}
