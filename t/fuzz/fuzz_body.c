/*
 * t/fuzz/fuzz_body.c: request bodies as the API parses them: jansson with
 * the API's flags, then the create and update checks.
 */
#include <stdint.h>

#include "extern.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	json_error_t	 err;
	json_t		*j;
	struct verr	 e;

	j = json_loadb((const char *)data, size, JSON_REJECT_DUPLICATES, &err);
	if (j == NULL)
		return 0;
	if (json_is_object(j)) {
		(void)valid_create(j, &e);
		(void)valid_update(j, &e);
		(void)valid_overrides(json_object_get(j, "app_overrides"),
		    "app_overrides", &e);
	}
	json_decref(j);
	return 0;
}
