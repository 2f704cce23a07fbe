/*
 * lib/pgconn.c: how octopod-fcgi's responders and runner and
 * octopod-notifier connect to PostgreSQL, the same way: DATABASE_URL
 * (or DATABASE_URL_FILE) as libpq's conninfo, hosts lists and
 * target_session_attrs included, with a connect_timeout of 5 s when the
 * conninfo names none, so that a host that never answers is given up
 * for the next one; and a failure said in one line, once per outage and
 * process, not once per attempt. Linked into the programs that link
 * libpq (not into octo).
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <libpq-fe.h>

#include "octopod.h"
#include "pgconn.h"

#define TIMEOUT_DEFAULT	"5"	/* connect_timeout when the conninfo has none */
#define REPEAT_SECS	60	/* the same failure is said again after this */
#define KW_MAX		64

/*
 * The keywords for PQconnectdbParams or PQconnectStartParams with
 * expand_dbname set, into kw and val (PGC_NKW entries each, NULL ended):
 * connect_timeout before the expanded conninfo, so that the conninfo's
 * own wins, application_name app after it. The values stay valid as
 * long as the settings.
 */
void
pgc_params(const char *app, const char *kw[PGC_NKW], const char *val[PGC_NKW])
{
	const char *url = setting_str("DATABASE_URL");

	kw[0] = "connect_timeout";
	val[0] = TIMEOUT_DEFAULT;
	kw[1] = "dbname";
	val[1] = url != NULL ? url : "";
	kw[2] = "application_name";
	val[2] = app;
	kw[3] = val[3] = NULL;
}

/* DATABASE_URL parsed (once), or NULL when it does not parse. */
static PQconninfoOption *
pgc_opts(void)
{
	static PQconninfoOption	*opts;
	static int		 done;
	const char		*url = setting_str("DATABASE_URL");
	char			*err = NULL;

	if (!done) {
		done = 1;
		opts = PQconninfoParse(url != NULL ? url : "", &err);
		PQfreemem(err);
	}
	return opts;
}

static const char *
opt_val(const char *name)
{
	PQconninfoOption *o;

	for (o = pgc_opts(); o != NULL && o->keyword != NULL; o++)
		if (strcmp(o->keyword, name) == 0)
			return o->val;
	return NULL;
}

/* How many items the comma list s has (0 for NULL or ""). */
static int
list_len(const char *s)
{
	int n = 1;

	if (s == NULL || *s == '\0')
		return 0;
	for (; *s != '\0'; s++)
		if (*s == ',')
			n++;
	return n;
}

/*
 * Item i of the comma list s into buf; a list of one item gives it for
 * every i (libpq's rule for port), a missing item "".
 */
static const char *
list_item(const char *s, int i, char *buf, size_t len)
{
	const char	*e;
	size_t		 n;

	buf[0] = '\0';
	if (s == NULL)
		return buf;
	if (list_len(s) == 1)
		i = 0;
	for (; i > 0 && s != NULL; i--)
		if ((s = strchr(s, ',')) != NULL)
			s++;
	if (s == NULL)
		return buf;
	e = strchr(s, ',');
	n = e != NULL ? (size_t)(e - s) : strlen(s);
	if (n >= len)
		n = len - 1;
	memcpy(buf, s, n);
	buf[n] = '\0';
	return buf;
}

/*
 * The connect timeout in seconds, as libpq reads connect_timeout: the
 * conninfo's (0 or less: none; 1 counts as 2) or 5.
 */
int
pgc_timeout(void)
{
	const char	*v = opt_val("connect_timeout");
	int		 t;

	if (v == NULL || *v == '\0')
		v = TIMEOUT_DEFAULT;
	t = atoi(v);
	return t <= 0 ? 0 : t < 2 ? 2 : t;
}

/* How many hosts DATABASE_URL lists (1 when it names none: libpq's defaults). */
int
pgc_hosts(void)
{
	int h = list_len(opt_val("host")), a = list_len(opt_val("hostaddr"));

	return h > a ? h : a > 0 ? a : 1;
}

/*
 * The keywords for PQconnectStartParams (expand_dbname 0) that try host
 * i of DATABASE_URL alone: every option of the conninfo, host, hostaddr
 * and port cut to their item i, connect_timeout defaulted as in
 * pgc_params, application_name app. For the notifier's non-blocking
 * connect, where libpq leaves the timeout to the caller and cannot be
 * told to skip to its next host: the caller goes on to host i + 1. Not
 * thread-safe (static buffers: until the next call). Returns 0, or -1
 * when DATABASE_URL does not parse.
 */
int
pgc_host_params(int i, const char *app, const char ***kwp, const char ***valp)
{
	static const char	*kw[KW_MAX + 4], *val[KW_MAX + 4];
	static char		 host[256], addr[256], port[32];
	PQconninfoOption	*o;
	int			 n = 0;

	if (pgc_opts() == NULL)
		return -1;
	for (o = pgc_opts(); o->keyword != NULL && n < KW_MAX; o++) {
		if (o->val == NULL || strcmp(o->keyword, "host") == 0 ||
		    strcmp(o->keyword, "hostaddr") == 0 ||
		    strcmp(o->keyword, "port") == 0 ||
		    strcmp(o->keyword, "application_name") == 0 ||
		    strcmp(o->keyword, "connect_timeout") == 0)
			continue;
		kw[n] = o->keyword;
		val[n++] = o->val;
	}
	if (list_item(opt_val("host"), i, host, sizeof(host))[0] != '\0') {
		kw[n] = "host";
		val[n++] = host;
	}
	if (list_item(opt_val("hostaddr"), i, addr, sizeof(addr))[0] != '\0') {
		kw[n] = "hostaddr";
		val[n++] = addr;
	}
	if (list_item(opt_val("port"), i, port, sizeof(port))[0] != '\0') {
		kw[n] = "port";
		val[n++] = port;
	}
	kw[n] = "application_name";
	val[n++] = app;
	kw[n] = val[n] = NULL;
	*kwp = kw;
	*valp = val;
	return 0;
}

/*
 * libpq's error message msg in one line into buf: its lines joined by
 * "; ", the tab-indented hints ("Is the server running …") left out.
 * Returns buf.
 */
const char *
pgc_oneline(const char *msg, char *buf, size_t len)
{
	const char	*e;
	size_t		 o = 0, n;

	buf[0] = '\0';
	for (; msg != NULL && *msg != '\0'; msg = *e != '\0' ? e + 1 : e) {
		e = strchr(msg, '\n');
		if (e == NULL)
			e = msg + strlen(msg);
		n = (size_t)(e - msg);
		if (n == 0 || msg[0] == '\t')
			continue;
		if (o > 0 && o + 2 < len) {
			memcpy(buf + o, "; ", 2);
			o += 2;
		}
		if (o + n >= len)
			n = len - o - 1;
		memcpy(buf + o, msg, n);
		o += n;
		buf[o] = '\0';
		if (o + 1 >= len)
			break;
	}
	if (o == 0)
		strlcpy_(buf, "unknown error", len);
	return buf;
}

static pthread_mutex_t	 say_mu = PTHREAD_MUTEX_INITIALIZER;
static char		 said[512];	/* the last failure said, "" when up */
static time_t		 said_at;

/*
 * A connection attempt failed with libpq's message msg: log it in one
 * line ("WHO: could not connect to the database: …", which names the
 * host as libpq does), unless this process said the same less than a
 * minute ago. Thread-safe.
 */
void
pgc_failed(const char *who, const char *msg)
{
	char	line[512];
	time_t	now = time(NULL);
	int	say;

	pgc_oneline(msg, line, sizeof(line));
	pthread_mutex_lock(&say_mu);
	say = strcmp(line, said) != 0 || now - said_at >= REPEAT_SECS;
	if (say) {
		strlcpy_(said, line, sizeof(said));
		said_at = now;
	}
	pthread_mutex_unlock(&say_mu);
	if (say)
		log_warn("%s%scould not connect to the database: %s",
		    who != NULL ? who : "", who != NULL ? ": " : "", line);
}

/* A connection was made: after a failure said, say that it is back. */
void
pgc_connected(const char *who)
{
	int back;

	pthread_mutex_lock(&say_mu);
	back = said[0] != '\0';
	said[0] = '\0';
	pthread_mutex_unlock(&say_mu);
	if (back)
		log_info("%s%sconnected to the database again",
		    who != NULL ? who : "", who != NULL ? ": " : "");
}
