/*
 * octo/http.c: requests to the power door with libcurl (OpenSSL): the
 * client certificate, its key and the CA; answers parsed with jansson;
 * every failure reduced to one line and an exit code.
 */
#include <sys/stat.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <curl/curl.h>

#include "octopod.h"
#include "extern.h"

#define BODY_CAP	(64 * 1024 * 1024)

struct octo_cfg octo = {
	.connect_timeout = 10,
	.request_timeout = 300,
};

static CURL	*curl;
static char	*auth_line;	/* "Authorization: VALUE", or NULL */

/*
 * A file that octo must read: 0, or -1 after printing why not. A key
 * file must not be readable by group or others (as libpq's .pgpass).
 */
static int
check_file(const char *what, const char *path, int secret)
{
	struct stat	 st;
	FILE		*f;

	if (stat(path, &st) == -1 || (f = fopen(path, "r")) == NULL) {
		octo_warnx("could not read %s \"%s\": %s", what, path,
		    strerror(errno));
		return -1;
	}
	fclose(f);
	if (secret && (st.st_mode & (S_IRWXG | S_IRWXO)) != 0) {
		octo_warnx("%s \"%s\" has group or world access (mode %04o); "
		    "permissions should be u=rw (0600) or less", what, path,
		    (unsigned)(st.st_mode & 07777));
		return -1;
	}
	return 0;
}

/*
 * The Authorization line of OCTO_AUTHORIZATION_HEADER (Octopod's octo
 * sends that value on every request, for a proxy in front of the power
 * API): 0, or -1 after printing why not. The value is one header field
 * value (RFC 9110: no control character but TAB) and a secret: never
 * printed.
 */
static int
auth_init(void)
{
	const unsigned char	*p;

	if (octo.authorization == NULL)
		return 0;
	for (p = (const unsigned char *)octo.authorization; *p != '\0'; p++)
		if ((*p < 0x20 && *p != '\t') || *p == 0x7f) {
			octo_warnx("OCTO_AUTHORIZATION_HEADER holds a control "
			    "character (byte %zu): it must be one header value",
			    (size_t)(p - (const unsigned char *)
			    octo.authorization) + 1);
			return -1;
		}
	free(auth_line);
	if (asprintf(&auth_line, "Authorization: %s", octo.authorization) ==
	    -1) {
		auth_line = NULL;
		octo_warnx("out of memory");
		return -1;
	}
	return 0;
}

/*
 * Check the configuration and set up the handle, reused by every
 * request (one TLS session, keep-alive). Returns 0 or an exit code
 * after printing why.
 */
int
octo_http_init(void)
{
	if (octo.url == NULL || *octo.url == '\0') {
		octo_warnx("no server: give --url or set OCTOPOD_URL");
		return EXIT_USAGE;
	}
	if (auth_init() == -1)
		return EXIT_USAGE;
	if (octo.cert == NULL || *octo.cert == '\0') {
		octo_warnx("no client certificate: give --cert or set "
		    "TLS_CERT_PATH");
		return EXIT_CONN;
	}
	if (octo.key == NULL || *octo.key == '\0') {
		octo_warnx("no private key: give --key or set TLS_KEY_PATH");
		return EXIT_CONN;
	}
	if (check_file("certificate file", octo.cert, 0) == -1 ||
	    check_file("private key file", octo.key, 1) == -1 ||
	    (octo.cacert != NULL && *octo.cacert != '\0' &&
	    check_file("CA file", octo.cacert, 0) == -1))
		return EXIT_CONN;
	if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK ||
	    (curl = curl_easy_init()) == NULL) {
		octo_warnx("could not initialise libcurl");
		return EXIT_CONN;
	}
	curl_easy_setopt(curl, CURLOPT_SSLCERT, octo.cert);
	curl_easy_setopt(curl, CURLOPT_SSLCERTTYPE, "PEM");
	curl_easy_setopt(curl, CURLOPT_SSLKEY, octo.key);
	curl_easy_setopt(curl, CURLOPT_SSLKEYTYPE, "PEM");
	if (octo.cacert != NULL && *octo.cacert != '\0')
		curl_easy_setopt(curl, CURLOPT_CAINFO, octo.cacert);
	curl_easy_setopt(curl, CURLOPT_SSL_VERIFYPEER, 1L);
	curl_easy_setopt(curl, CURLOPT_SSL_VERIFYHOST, 2L);
	curl_easy_setopt(curl, CURLOPT_CONNECTTIMEOUT, octo.connect_timeout);
	curl_easy_setopt(curl, CURLOPT_TIMEOUT, octo.request_timeout);
	curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(curl, CURLOPT_USERAGENT, "octo/" OCTOPOD_VERSION);
	curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, sbuf_curl);
	curl_easy_setopt(curl, CURLOPT_PROTOCOLS_STR, "https,http");
	return 0;
}

void
octo_http_free(void)
{
	if (curl != NULL) {
		curl_easy_cleanup(curl);
		curl = NULL;
		curl_global_cleanup();
	}
	free(auth_line);
	auth_line = NULL;
}

/* A path segment escaped for the URL: a new string, free() it. */
char *
octo_escape(const char *s)
{
	char	*e, *copy;

	if (curl == NULL || (e = curl_easy_escape(curl, s, 0)) == NULL)
		return strdup(s);
	copy = strdup(e);
	curl_free(e);
	return copy;
}

/* One line for a libcurl failure. */
static void
curl_message(CURLcode cc, const char *url, const char *errbuf, char *msg,
    size_t len)
{
	const char	*detail = *errbuf ? errbuf : curl_easy_strerror(cc);

	switch (cc) {
	case CURLE_COULDNT_RESOLVE_HOST:
	case CURLE_COULDNT_CONNECT:
		snprintf(msg, len, "could not connect to %s: %s", url, detail);
		break;
	case CURLE_OPERATION_TIMEDOUT:
		snprintf(msg, len, "no answer from %s in time: %s", url,
		    detail);
		break;
	case CURLE_PEER_FAILED_VERIFICATION:
		snprintf(msg, len, "could not verify the server's certificate "
		    "(is --cacert right?): %s", detail);
		break;
	case CURLE_SSL_CACERT_BADFILE:
		snprintf(msg, len, "could not use CA file \"%s\": %s",
		    octo.cacert ? octo.cacert : "(default)", detail);
		break;
	case CURLE_SSL_CERTPROBLEM:
		snprintf(msg, len, "could not use client certificate \"%s\" "
		    "with key \"%s\": %s", octo.cert, octo.key, detail);
		break;
	case CURLE_SSL_CONNECT_ERROR:
	case CURLE_RECV_ERROR:
	case CURLE_SEND_ERROR:
		snprintf(msg, len, "TLS connection to %s failed: %s", url,
		    detail);
		break;
	default:
		snprintf(msg, len, "request to %s failed: %s", url, detail);
		break;
	}
}

/*
 * METHOD /api/v1/PATH with body (borrowed; may be NULL). On return r
 * holds the status, the parsed answer (r->body, JSON) and, on failure,
 * the error code and a one-line message, printed unless CALL_QUIET.
 * Returns the exit code (octo_exit_for). Free r with octo_resp_free.
 */
int
octo_call(const char *method, const char *path, json_t *body, int flags,
    struct octo_resp *r)
{
	/* as before: BODY_CAP with the NUL after it */
	struct sbuf_capped	 b = { .max = BODY_CAP - 1 };
	struct curl_slist	*hdr = NULL;
	char			*url = NULL, *data = NULL;
	char			 errbuf[CURL_ERROR_SIZE] = "";
	const char		*base = octo.url, *sep;
	size_t			 blen = strlen(base);
	CURLcode		 cc;
	int			 rc;

	memset(r, 0, sizeof(*r));
	while (blen > 0 && base[blen - 1] == '/')
		blen--;
	/* OCTOPOD_URL may or may not end in /api/v1 */
	sep = blen >= 7 && strncmp(base + blen - 7, "/api/v1", 7) == 0 ?
	    "/" : "/api/v1/";
	if (asprintf(&url, "%.*s%s%s", (int)blen, base, sep, path) == -1) {
		url = NULL;
		snprintf(r->msg, sizeof(r->msg), "out of memory");
		rc = EXIT_CONN;
		goto out;
	}
	curl_easy_setopt(curl, CURLOPT_URL, url);
	curl_easy_setopt(curl, CURLOPT_WRITEDATA, &b);
	curl_easy_setopt(curl, CURLOPT_ERRORBUFFER, errbuf);
	hdr = curl_slist_append(hdr, "Accept: application/json");
	if (auth_line != NULL)
		hdr = curl_slist_append(hdr, auth_line);
	if (body != NULL) {
		data = json_dumps(body, JSON_COMPACT);
		hdr = curl_slist_append(hdr,
		    "Content-Type: application/json");
		curl_easy_setopt(curl, CURLOPT_POSTFIELDS, data ? data : "");
		curl_easy_setopt(curl, CURLOPT_POSTFIELDSIZE,
		    (long)(data ? strlen(data) : 0));
	} else if (strcmp(method, "GET") != 0 &&
	    strcmp(method, "DELETE") != 0) {
		/* POST without a body: not curl's default form type (415) */
		hdr = curl_slist_append(hdr,
		    "Content-Type: application/json");
		curl_easy_setopt(curl, CURLOPT_POSTFIELDS, "");
		curl_easy_setopt(curl, CURLOPT_POSTFIELDSIZE, 0L);
	} else
		curl_easy_setopt(curl, CURLOPT_HTTPGET, 1L);
	curl_easy_setopt(curl, CURLOPT_CUSTOMREQUEST, method);
	curl_easy_setopt(curl, CURLOPT_HTTPHEADER, hdr);

	cc = curl_easy_perform(curl);
	if (cc != CURLE_OK) {
		if (b.over)
			snprintf(r->msg, sizeof(r->msg), "the answer from %s "
			    "is larger than %d bytes", url, BODY_CAP);
		else
			curl_message(cc, url, errbuf, r->msg, sizeof(r->msg));
		snprintf(r->code, sizeof(r->code), "connection");
		rc = EXIT_CONN;
		goto out;
	}
	curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &r->status);
	if (r->status >= 200 && r->status < 300) {
		json_error_t	je;

		r->body = json_loadb(b.buf.p ? b.buf.p : "", b.buf.len, 0,
		    &je);
		if (r->body == NULL) {
			snprintf(r->code, sizeof(r->code), "bad_answer");
			snprintf(r->msg, sizeof(r->msg), "the answer from %s "
			    "is not JSON: %s", url, je.text);
			rc = EXIT_CONN;
			goto out;
		}
		rc = EXIT_OK;
		goto out;
	}
	if (octo_parse_error(r->status, b.buf.p, b.buf.len, r->code,
	    sizeof(r->code), r->msg, sizeof(r->msg)) == -1) {
		rc = EXIT_CONN;
		goto out;
	}
	r->body = json_loadb(b.buf.p, b.buf.len, 0, NULL);
	rc = octo_exit_for(r->status, r->code);
out:
	if (rc != EXIT_OK && !(flags & CALL_QUIET))
		octo_warn_lines(r->msg);
	curl_easy_setopt(curl, CURLOPT_HTTPHEADER, NULL);
	curl_easy_setopt(curl, CURLOPT_ERRORBUFFER, NULL);
	curl_easy_setopt(curl, CURLOPT_POSTFIELDS, NULL);
	curl_slist_free_all(hdr);
	free(data);
	sbuf_free(&b.buf);
	free(url);
	return rc;
}

void
octo_resp_free(struct octo_resp *r)
{
	json_decref(r->body);
	r->body = NULL;
}
