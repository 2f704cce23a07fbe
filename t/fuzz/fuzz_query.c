/*
 * t/fuzz/fuzz_query.c: query strings as the API reads them. The input is
 * the query; every parameter name the API knows is looked up in it.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "extern.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *keys[] = { "status", "q", "archived", "sort",
	    "order", "limit", "cursor", "after", "total", "scope",
	    /* the sign-in's callback (fcgi/session.c) */
	    "code", "state", "error", "error_description", "" };
	char	*q, buf[300];
	size_t	 i;

	if ((q = malloc(size + 1)) == NULL)
		return 0;
	memcpy(q, data, size);
	q[size] = '\0';
	for (i = 0; i < sizeof(keys) / sizeof(keys[0]); i++)
		if (query_get(q, keys[i], buf, sizeof(buf)) == 1 &&
		    strlen(buf) >= sizeof(buf))
			abort();
	free(q);
	return 0;
}
