/*
 * bench/servertime.c: the list figure as the server sees it. GETs URL N
 * times, one at a time on one kept-alive connection (libcurl), after 50
 * warm-up requests, and reads each answer's Server-Timing (app;dur=MS:
 * from the responder's accept to its last byte encoded, fcgi/resp_http.c).
 *
 *	servertime N URL CAFILE USER:PASSWORD
 *
 * Prints "server_p50 server_p99 total_p50 total_p99" in ms; total is
 * what the client saw (TLS, nginx and FastCGI included).
 */
#include <err.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <curl/curl.h>

#include "stats.h"

static double	 dur;		/* of the last answer, -1 when it had none */

static size_t
on_header(char *p, size_t size, size_t n, void *arg)
{
	static const char	 name[] = "server-timing: app;dur=";
	size_t			 len = size * n;
	char			 buf[64];

	(void)arg;
	if (len > sizeof(name) - 1 && len < sizeof(buf) &&
	    strncasecmp(p, name, sizeof(name) - 1) == 0) {
		memcpy(buf, p + sizeof(name) - 1, len - (sizeof(name) - 1));
		buf[len - (sizeof(name) - 1)] = '\0';
		dur = strtod(buf, NULL);
	}
	return len;
}

static size_t
on_body(char *p, size_t size, size_t n, void *arg)
{
	(void)p;
	(void)arg;
	return size * n;
}


int
main(int argc, char *argv[])
{
	CURL	*c;
	double	*srv, *tot, t;
	long	 code;
	int	 n, i;

	if (argc != 5 || (n = atoi(argv[1])) < 1)
		errx(2, "usage: servertime N URL CAFILE USER:PASSWORD");
	if ((srv = calloc(n, sizeof(*srv))) == NULL ||
	    (tot = calloc(n, sizeof(*tot))) == NULL)
		err(1, "calloc");
	curl_global_init(CURL_GLOBAL_DEFAULT);
	if ((c = curl_easy_init()) == NULL)
		errx(1, "curl_easy_init");
	curl_easy_setopt(c, CURLOPT_URL, argv[2]);
	curl_easy_setopt(c, CURLOPT_CAINFO, argv[3]);
	curl_easy_setopt(c, CURLOPT_USERPWD, argv[4]);
	curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, on_header);
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_body);
	for (i = -50; i < n; i++) {
		dur = -1;
		if (curl_easy_perform(c) != CURLE_OK)
			errx(1, "request %d failed", i);
		curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &code);
		if (code != 200 || dur < 0)
			errx(1, "request %d: status %ld, Server-Timing %s", i,
			    code, dur < 0 ? "missing" : "present");
		curl_easy_getinfo(c, CURLINFO_TOTAL_TIME, &t);
		if (i >= 0) {
			srv[i] = dur;
			tot[i] = t * 1e3;
		}
	}
	stats_sort(srv, n);
	stats_sort(tot, n);
	printf("%.3f %.3f %.3f %.3f\n", srv[n / 2], srv[n * 99 / 100],
	    tot[n / 2], tot[n * 99 / 100]);
	curl_easy_cleanup(c);
	curl_global_cleanup();
	free(srv);
	free(tot);
	return 0;
}
