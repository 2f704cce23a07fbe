/*
 * notifier/ws.c: the websocket side. nginx upgrades GET /api/v1/events
 * and passes it here as GET /events with X-Octopod-Actor; any other path
 * or a plain HTTP request is refused. Client messages are text frames of
 * at most RX_MAX bytes (bigger ones are refused with an error frame and
 * skipped to their end).
 */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "extern.h"

static const char	EVENTS_PATH[] = "/events";

/*
 * Answer the upgrade request with status and the API's error shape
 * instead of upgrading; returns 1 (refuse) for the filter callback.
 */
static int
ws_refuse(struct lws *wsi, unsigned int status, const char *code,
    const char *message)
{
	unsigned char	 buf[LWS_PRE + 1024], *start = buf + LWS_PRE, *p = start;
	unsigned char	*end = buf + sizeof(buf) - 1;
	char		 body[512];
	json_t		*j;
	size_t		 n;

	j = json_pack("{s:{s:s, s:s}}", "error", "code", code, "message",
	    message);
	n = j != NULL ? json_dumpb(j, body, sizeof(body) - 1, JSON_COMPACT) : 0;
	json_decref(j);
	if (n == 0 || n >= sizeof(body) - 1)
		return 1;
	body[n++] = '\n';
	if (lws_add_http_common_headers(wsi, status, "application/json",
	    (lws_filepos_t)n, &p, end) == 0 &&
	    lws_finalize_write_http_header(wsi, start, &p, end) == 0)
		lws_write(wsi, (unsigned char *)body, n, LWS_WRITE_HTTP_FINAL);
	return 1;
}

/*
 * Only GET /events may upgrade, from a browser page of our own origin:
 * the Origin header (sent by every browser on a websocket) must be
 * https:// + the Host the request came to (nginx passes it as
 * X-Octopod-Host) or one of ALLOWED_ORIGINS, else 403 before the
 * upgrade: a foreign page opened by a signed-in user cannot subscribe.
 * Without Origin the client is not a browser (octo, scripts) and holds
 * the door's own credentials: it is let in. A client past
 * NOTIFIER_MAX_CLIENTS gets 503. Returns 0 to accept, 1 to refuse.
 */
static int
ws_filter(struct lws *wsi)
{
	char	uri[64], origin[512], host[300];
	int	n;

	n = lws_hdr_copy(wsi, uri, sizeof(uri), WSI_TOKEN_GET_URI);
	if (n <= 0 || strcmp(uri, EVENTS_PATH) != 0) {
		log_info("refused a websocket on \"%s\"", n > 0 ? uri : "?");
		return 1;
	}
	if (lws_hdr_total_length(wsi, WSI_TOKEN_ORIGIN) > 0) {
		if (lws_hdr_copy(wsi, origin, sizeof(origin),
		    WSI_TOKEN_ORIGIN) <= 0)
			origin[0] = '\0';
		if (lws_hdr_custom_copy(wsi, host, sizeof(host),
		    "x-octopod-host:", 15) <= 0)
			host[0] = '\0';
		if (origin[0] == '\0' || !origin_allowed(origin, host)) {
			log_info("refused a websocket from origin \"%.200s\"",
			    origin);
			return ws_refuse(wsi, 403, "cross_site", "websockets "
			    "from another origin are refused");
		}
	}
	if (nclients >= (size_t)setting_int("NOTIFIER_MAX_CLIENTS")) {
		log_warn("refused a websocket: %zu clients already "
		    "(NOTIFIER_MAX_CLIENTS)", nclients);
		return ws_refuse(wsi, 503, "too_many_clients", "too many "
		    "websocket clients, try again later");
	}
	return 0;
}

static void
ws_receive(struct client *c, const char *in, size_t len)
{
	struct lws *wsi = c->wsi;

	if (lws_frame_is_binary(wsi) && c->rxlen == 0 && !c->rxbad) {
		cl_error(c, "bad_message", "binary frames are not accepted");
		c->rxbad = 1;
	}
	if (!c->rxbad && c->rxlen + len > RX_MAX) {
		cl_error(c, "too_large", "a message may have at most 4096 "
		    "bytes");
		c->rxbad = 1;
	}
	if (!c->rxbad) {
		memcpy(c->rx + c->rxlen, in, len);
		c->rxlen += len;
	}
	if (!lws_is_final_fragment(wsi) || lws_remaining_packet_payload(wsi))
		return;
	if (!c->rxbad)
		cl_message(c, c->rx, c->rxlen);
	c->rxlen = 0;
	c->rxbad = 0;
}

/* The client's session has ended: close it at its next write. */
static void
ws_expired(lws_sorted_usec_list_t *sul)
{
	struct client *c = lws_container_of(sul, struct client, sul_expire);

	c->expired = 1;
	lws_callback_on_writable(c->wsi);
}

/*
 * UI_AUTH=oidc: nginx passes the end of the client's session as
 * X-Octopod-Expires (Unix time, from the session check of the upgrade);
 * the socket is closed then (1008, "session expired"), so that a signed-out
 * or expired person stops getting events. No header: no end.
 */
static void
ws_expiry(struct client *c, struct lws *wsi)
{
	char		 buf[32], *end;
	long long	 exp;
	time_t		 now = time(NULL);

	if (lws_hdr_custom_copy(wsi, buf, sizeof(buf), "x-octopod-expires:",
	    18) <= 0)
		return;
	exp = strtoll(buf, &end, 10);
	if (end == buf || *end != '\0' || exp <= 0)
		return;
	lws_sul_schedule(ctx, 0, &c->sul_expire, ws_expired, exp > now ?
	    (lws_usec_t)(exp - now) * LWS_US_PER_SEC : 1);
}

/* lws callback of the octopod-events protocol (the default one). */
int
ws_callback(struct lws *wsi, enum lws_callback_reasons reason, void *user,
    void *in, size_t len)
{
	struct client	*c = user;
	int		 n;

	switch (reason) {
	case LWS_CALLBACK_HTTP:
		/* not an upgrade: nothing is served over plain HTTP */
		lws_return_http_status(wsi, HTTP_STATUS_NOT_FOUND, NULL);
		return -1;
	case LWS_CALLBACK_FILTER_PROTOCOL_CONNECTION:
		return ws_filter(wsi);
	case LWS_CALLBACK_ESTABLISHED:
		n = lws_hdr_custom_copy(wsi, c->actor, sizeof(c->actor),
		    "x-octopod-actor:", 16);
		if (n < 0)
			c->actor[0] = '\0';
		cl_open(c, wsi);
		ws_expiry(c, wsi);
		break;
	case LWS_CALLBACK_CLOSED:
		lws_sul_cancel(&c->sul_expire);
		cl_close(c);
		break;
	case LWS_CALLBACK_SERVER_WRITEABLE:
		if (c == NULL || !c->linked)
			break;
		if (c->expired) {
			lws_close_reason(wsi, LWS_CLOSE_STATUS_POLICY_VIOLATION,
			    (unsigned char *)"session expired", 15);
			return -1;
		}
		return cl_writeable(c);
	case LWS_CALLBACK_RECEIVE:
		if (c == NULL || !c->linked || c->dropped)
			break;
		ws_receive(c, in, len);
		break;
	default:
		break;
	}
	return 0;
}
