/*
 * t/fuzz/fuzz_cookie.c: Cookie headers as the sign-in reads them
 * (fcgi/session.c session_cookie, UI_AUTH=oidc). The input is the header;
 * both cookies of the sign-in are looked up in it, into buffers of the
 * sizes session.c uses: a value found fits and holds no ';'.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "extern.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const struct {
		const char	*name;
		size_t		 len;
	} cookies[] = { { "octopod_session", 66 }, { "octopod_login", 256 },
	    { "", 8 } };
	char	*h, buf[256];
	size_t	 i;

	if ((h = malloc(size + 1)) == NULL)
		return 0;
	memcpy(h, data, size);
	h[size] = '\0';
	for (i = 0; i < sizeof(cookies) / sizeof(cookies[0]); i++)
		if (session_cookie(h, cookies[i].name, buf, cookies[i].len) ==
		    1 && (strlen(buf) >= cookies[i].len ||
		    strchr(buf, ';') != NULL))
			abort();
	free(h);
	return 0;
}
