/*
 * notifier/ws.c: the websocket side. nginx upgrades GET /api/v1/events
 * and passes it here as GET /events with X-Octopod-Actor; any other path
 * or a plain HTTP request is refused. Client messages are text frames of
 * at most RX_MAX bytes (bigger ones are refused with an error frame and
 * skipped to their end).
 */
#include <string.h>

#include "extern.h"

static const char	EVENTS_PATH[] = "/events";

/* Only GET /events may upgrade; 0 to accept, 1 to refuse. */
static int
ws_filter(struct lws *wsi)
{
	char	uri[64];
	int	n;

	n = lws_hdr_copy(wsi, uri, sizeof(uri), WSI_TOKEN_GET_URI);
	if (n <= 0 || strcmp(uri, EVENTS_PATH) != 0) {
		log_info("refused a websocket on \"%s\"", n > 0 ? uri : "?");
		return 1;
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
		break;
	case LWS_CALLBACK_CLOSED:
		cl_close(c);
		break;
	case LWS_CALLBACK_SERVER_WRITEABLE:
		if (c == NULL || !c->linked)
			break;
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
