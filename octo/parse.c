/*
 * octo/parse.c: the parsers of octo that need no network: K=V flags,
 * durations, the server's error shape and the exit code it maps to.
 */
#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "octopod.h"
#include "extern.h"

/*
 * Split "K=V" at the first '=': copy K into key, point *value at V
 * (inside arg). Returns 0, or -1 when there is no '=', the key is empty
 * or longer than keylen - 1.
 */
int
octo_parse_kv(const char *arg, char *key, size_t keylen, const char **value)
{
	const char	*eq;

	if (arg == NULL || (eq = strchr(arg, '=')) == NULL || eq == arg ||
	    (size_t)(eq - arg) >= keylen)
		return -1;
	memcpy(key, arg, eq - arg);
	key[eq - arg] = '\0';
	*value = eq + 1;
	return 0;
}

/*
 * A duration: seconds ("3600", "90s") or a sum of parts with units
 * d, h, m, s ("14d", "12h", "1h30m"). Returns 0 with *secs set, or -1
 * for anything else (empty, negative, unknown unit, overflow).
 */
int
octo_parse_duration(const char *s, long *secs)
{
	long	 total = 0, n, mult;
	char	*end;
	int	 parts = 0;

	if (s == NULL || *s == '\0')
		return -1;
	while (*s != '\0') {
		if (!isdigit((unsigned char)*s))
			return -1;
		errno = 0;
		n = strtol(s, &end, 10);
		if (errno != 0)
			return -1;
		switch (*end) {
		case 'd': mult = 86400; end++; break;
		case 'h': mult = 3600; end++; break;
		case 'm': mult = 60; end++; break;
		case 's': mult = 1; end++; break;
		case '\0':
			if (parts > 0)	/* "1h30": say what 30 is */
				return -1;
			mult = 1;
			break;
		default:
			return -1;
		}
		if (n > (LONG_MAX - total) / mult)
			return -1;
		total += n * mult;
		parts++;
		s = end;
	}
	*secs = total;
	return 0;
}

/* A base-10 integer in [min, max]: 0, or -1. */
int
octo_parse_long(const char *s, long min, long max, long *out)
{
	char	*end;
	long	 v;

	if (s == NULL || *s == '\0')
		return -1;
	errno = 0;
	v = strtol(s, &end, 10);
	if (errno != 0 || *end != '\0' || v < min || v > max)
		return -1;
	*out = v;
	return 0;
}

/*
 * The error of a non-2xx answer: the API's {"error": {"code",
 * "message"}} shape, else a line naming the status. Fills code and msg.
 * A message of several lines (config_check's reasons) keeps its line
 * breaks, without trailing ones; CR is dropped and every other control
 * character becomes '?', so that nothing reaches the terminal as an
 * escape. Returns 0 when the body had the error shape, -1 when it did
 * not (not octopod's answer).
 */
int
octo_parse_error(long status, const char *body, size_t len, char *code,
    size_t codelen, char *msg, size_t msglen)
{
	json_t		*j, *e, *c, *m;
	int		 rc = -1;
	char		*p, *q;

	snprintf(code, codelen, "http_%ld", status);
	snprintf(msg, msglen, "unexpected answer from the server (HTTP %ld)",
	    status);
	if (body == NULL || len == 0)
		return -1;
	j = json_loadb(body, len, 0, NULL);
	if (j != NULL && (e = json_object_get(j, "error")) != NULL &&
	    json_is_object(e) &&
	    json_is_string(c = json_object_get(e, "code")) &&
	    json_is_string(m = json_object_get(e, "message"))) {
		snprintf(code, codelen, "%s", json_string_value(c));
		snprintf(msg, msglen, "%s", json_string_value(m));
		for (p = q = msg; *p != '\0'; p++) {
			if (*p == '\r')
				continue;
			if (((unsigned char)*p < 0x20 && *p != '\n' &&
			    *p != '\t') || *p == 0x7f)
				*q++ = '?';
			else
				*q++ = *p;
		}
		while (q > msg && q[-1] == '\n')
			q--;
		*q = '\0';
		rc = 0;
	}
	json_decref(j);
	return rc;
}

/*
 * The exit code for an answer: 0 for 2xx; 3 when octo could not get
 * through (certificate refused, octopod or its database unavailable);
 * 1 for every other refusal.
 */
int
octo_exit_for(long status, const char *code)
{
	if (status >= 200 && status < 300)
		return EXIT_OK;
	if (status == 0 || status == 401 || status == 495 || status == 496 ||
	    status == 502 || status == 503 || status == 504)
		return EXIT_CONN;
	if (code != NULL && (strcmp(code, "certificate_required") == 0 ||
	    strcmp(code, "unauthenticated") == 0))
		return EXIT_CONN;
	return EXIT_REFUSED;
}

/*
 * Append {"key", "value", "secret"} from "K=V" to the JSON array list.
 * Returns 0, or -1 with a message in err.
 */
int
octo_override_add(json_t *list, const char *arg, int secret, char *err,
    size_t errlen)
{
	char		 key[KEY_MAX_LEN + 2];
	const char	*val;

	if (octo_parse_kv(arg, key, sizeof(key), &val) == -1) {
		snprintf(err, errlen, "override \"%s\" is not KEY=VALUE", arg);
		return -1;
	}
	json_array_append_new(list, json_pack("{s:s, s:s, s:b}", "key", key,
	    "value", val, "secret", secret));
	return 0;
}

/*
 * "2026-11-25T09:20:45.786Z" as "2026-11-25 09:20:45" in buf; "-" for
 * NULL. Returns buf.
 */
const char *
octo_time(const char *iso, char *buf, size_t len)
{
	size_t	 n;

	if (iso == NULL || *iso == '\0') {
		snprintf(buf, len, "-");
		return buf;
	}
	snprintf(buf, len, "%s", iso);
	if ((n = strlen(buf)) >= 19 && buf[10] == 'T') {
		buf[10] = ' ';
		buf[19] = '\0';
	}
	return buf;
}

/*
 * secs as "1d2h30m5s" (zero parts left out; "0s" for 0) in buf.
 * Returns buf.
 */
const char *
octo_fmt_duration(long secs, char *buf, size_t len)
{
	static const struct { long n; char u; } part[] = {
		{ .n = 86400, .u = 'd' }, { .n = 3600, .u = 'h' },
		{ .n = 60, .u = 'm' }, { .n = 1, .u = 's' },
	};
	size_t	 i, off = 0;
	int	 w;

	if (len == 0)
		return buf;
	buf[0] = '\0';
	if (secs <= 0) {
		snprintf(buf, len, "0s");
		return buf;
	}
	for (i = 0; i < sizeof(part) / sizeof(part[0]) && off < len; i++) {
		if (secs / part[i].n == 0)
			continue;
		w = snprintf(buf + off, len - off, "%ld%c", secs / part[i].n,
		    part[i].u);
		if (w < 0)
			break;
		off += (size_t)w;
		secs %= part[i].n;
	}
	return buf;
}
