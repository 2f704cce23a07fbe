/*
 * fcgi/run_notify.c: the runner's notifications job. Each status change the
 * state machine reports (run_fsm.c fills a "changes" array) runs the
 * notifications control script on a small pool of its own, so that a
 * slow script never holds an action, a check or the main loop.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "extern.h"

#define NOTIFY_THREADS	2

static struct pool	*notify_pool;

/* Start the pool; 0, or -1 (logged by pool_new's caller). */
int
notify_start(void)
{
	notify_pool = pool_new("notifications", NOTIFY_THREADS, 0, 0, -1);
	return notify_pool == NULL ? -1 : 0;
}

/* Stop the pool, after the jobs queued have run. */
void
notify_stop(void)
{
	if (notify_pool != NULL)
		pool_stop(notify_pool);
	notify_pool = NULL;
}

/* Queue fn(arg) on the pool; 0, or -1 when it is not running or full. */
int
notify_push(void (*fn)(PGconn **, void *), void *arg)
{
	if (notify_pool == NULL)
		return -1;
	return pool_push(notify_pool, fn, arg);
}

/*
 * Run the notifications script, when there is one, for deployment name at
 * tag with the extra options (NULL-terminated); what came of it is
 * described in why. Returns 0 when it ran, -1 when there is no script or
 * it could not be called. Shared by the changes (below) and the expiry
 * warnings (run_expiry.c).
 */
int
notify_script(const char *name, const char *tag, const char *const *extra,
    char *why, size_t whylen)
{
	struct spawn_result	 res;
	struct call		 call;
	struct dep		 d;
	char			*path, *out = NULL;
	int			 rc = -1;

	memset(&call, 0, sizeof(call));
	if ((path = spawn_script_path("notifications")) == NULL ||
	    access(path, F_OK) == -1)
		goto out;
	memset(&d, 0, sizeof(d));
	d.name = (char *)name;
	d.tag = (char *)tag;
	if (scripts_call("notifications", path, &d, NULL, extra, &call) == -1)
		goto out;
	spawn_capture(call.argv, call.envp, (int)setting_int("CHECK_TIMEOUT"),
	    4096, &out, &res);
	spawn_describe(&res, "notifications", why, whylen);
	free(out);
	rc = 0;
out:
	args_call_free(&call);
	free(path);
	return rc;
}

/* A pool job: notifications for one change {name, tag, old, new, ...}. */
static void
notify_job(PGconn **db, void *arg)
{
	json_t		*c = arg;
	const char	*name, *extra[5];
	char		 why[512];

	(void)db;
	/* Octopod's names: GenericFailure, TagMismatch, ... not Failure */
	extra[0] = "--old-status";
	extra[1] = scripts_status_name(json_string_value(json_object_get(c,
	    "old")), json_string_value(json_object_get(c, "old_reason")));
	extra[2] = "--new-status";
	extra[3] = scripts_status_name(json_string_value(json_object_get(c,
	    "new")), json_string_value(json_object_get(c, "new_reason")));
	extra[4] = NULL;
	name = json_string_value(json_object_get(c, "name"));
	if (name != NULL && extra[1] != NULL && extra[3] != NULL &&
	    notify_script(name, json_string_value(json_object_get(c, "tag")),
	    extra, why, sizeof(why)) == 0)
		log_info("%s %s -> %s: %s", name, extra[1], extra[3], why);
	json_decref(c);
}

/* Run the notifications script for each change. */
void
notify_changes_new(json_t *changes)
{
	size_t	 i;
	json_t	*c;

	if (changes == NULL)
		return;
	json_array_foreach(changes, i, c)
		if (notify_push(notify_job, json_incref(c)) == -1)
			json_decref(c);
	json_decref(changes);
}
