/*
 * t/fuzz/fuzz_notifier_msg.c: a websocket client's message as the
 * notifier parses it (notifier/cmsg.c), with what a good parse promises
 * checked: a valid name, a positive action, a non-negative after.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "extern.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct cmsg	 m;
	const char	*code;
	char		 why[256];

	if (size > RX_MAX)	/* ws.c refuses longer messages first */
		return 0;
	code = cmsg_parse((const char *)data, size, &m, why, sizeof(why));
	if (code != NULL) {
		if (why[0] == '\0' || strlen(why) >= sizeof(why))
			abort();
		return 0;
	}
	if (m.what >= CMSG__MAX || strcmp(cmsg_what(m.what), "?") == 0)
		abort();
	if (m.what == CMSG_DEPLOYMENT &&
	    valid_name(m.name, strlen(m.name)) != NULL)
		abort();
	if (m.what == CMSG_OUTPUT && (m.action <= 0 || m.after < 0))
		abort();
	return 0;
}
