/*
 * t/fuzz/fuzz_route.c: path routing. The first byte picks a method, the
 * rest is the path after /api/v1/; a match must give the args it promises.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "extern.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *methods[] = { "GET", "POST", "PATCH", "DELETE",
	    "PUT", "HEAD" };
	const char	*args[ROUTE_ARGS + 1] = { NULL };
	char		 path[1024], buf[1024], allow[128];
	int		 i;

	if (size < 1 || size > sizeof(path))
		return 0;
	memcpy(path, data + 1, size - 1);
	path[size - 1] = '\0';
	i = route_lookup(methods[data[0] % 6], path, buf, sizeof(buf), args,
	    allow, sizeof(allow));
	if (i >= 0 && strchr(path, '*') == NULL && args[0] != NULL &&
	    (*args[0] == '\0' || strchr(args[0], '/') != NULL))
		abort();	/* an arg is one non-empty segment */
	return 0;
}
