/*
 * lib/log.c: one line per event on stderr, text or JSON (LOG_FORMAT).
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>

#include "octopod.h"

static const char	*log_prog = "octopod";
static int		 log_json;
static const char	*log_names[LVL__MAX] = {
	[LVL_DEBUG] = "debug",
	[LVL_INFO] = "info",
	[LVL_WARN] = "warning",
	[LVL_ERR] = "error",
};

void
log_init(const char *prog, int json)
{
	log_prog = prog;
	log_json = json;
}

void
log_msg(enum log_level lvl, const char *fmt, ...)
{
	char		 msg[2048], ts[32];
	va_list		 ap;
	time_t		 now;
	struct tm	 tm;
	json_t		*o;
	char		*s;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);

	now = time(NULL);
	gmtime_r(&now, &tm);
	strftime(ts, sizeof(ts), "%Y-%m-%dT%H:%M:%SZ", &tm);

	if (!log_json) {
		fprintf(stderr, "%s %s[%d] %s: %s\n", ts, log_prog,
		    (int)getpid(), log_names[lvl], msg);
		return;
	}
	o = json_pack("{s:s, s:s, s:i, s:s, s:s}", "time", ts, "prog",
	    log_prog, "pid", (int)getpid(), "level", log_names[lvl],
	    "msg", msg);
	if (o == NULL)
		return;
	if ((s = json_dumps(o, JSON_COMPACT)) != NULL) {
		fprintf(stderr, "%s\n", s);
		free(s);
	}
	json_decref(o);
}
