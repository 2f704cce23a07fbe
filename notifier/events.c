/*
 * notifier/events.c: a payload of octopod_events (docs/events.md) in,
 * what the clients get out. Deployment and action events are numbered
 * (ev_seq, per process) and relayed as {"seq":N,"event":{...}}; output
 * events only wake the output watchers (output.c).
 */
#include <string.h>

#include "extern.h"

long long	ev_seq;

static int
terminal(const char *state)
{
	return state != NULL && strcmp(state, "queued") != 0 &&
	    strcmp(state, "running") != 0;
}

/* Handle one notification payload (len bytes, not trusted). */
void
ev_payload(const char *p, size_t len)
{
	json_t		*ev, *out;
	json_error_t	 e;
	const char	*type, *name = NULL;
	json_t		*id;

	if ((ev = json_loadb(p, len, 0, &e)) == NULL || !json_is_object(ev)) {
		log_warn("ignored an event that is not a JSON object: %s",
		    ev == NULL ? e.text : "not an object");
		json_decref(ev);
		return;
	}
	type = json_string_value(json_object_get(ev, "type"));
	if (type == NULL) {
		log_warn("ignored an event without a type");
		json_decref(ev);
		return;
	}
	if (strcmp(type, "output") == 0) {
		id = json_object_get(ev, "action");
		if (json_is_integer(id))
			out_kick(json_integer_value(id));
		json_decref(ev);
		return;
	}
	if (strcmp(type, "action") == 0) {
		id = json_object_get(ev, "id");
		name = json_string_value(json_object_get(ev, "deployment"));
		if (json_is_integer(id) && terminal(json_string_value(
		    json_object_get(ev, "state"))))
			out_kick(json_integer_value(id));
	} else
		name = json_string_value(json_object_get(ev, "name"));

	ev_seq++;
	out = json_pack("{s:I, s:O}", "seq", (json_int_t)ev_seq, "event", ev);
	if (out != NULL)
		cl_broadcast(out, name);
	json_decref(out);
	json_decref(ev);
}
