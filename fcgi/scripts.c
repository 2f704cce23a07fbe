/*
 * fcgi/scripts.c: running control scripts (placeholder until the runner
 * lands: config_check accepts everything).
 */
#include <stdlib.h>

#include "extern.h"

int
scripts_config_check(const char *kind, const char *name, const char *tag,
    json_t *app_overrides, json_t *deployment_overrides, char **msg)
{
	(void)kind; (void)name; (void)tag;
	(void)app_overrides; (void)deployment_overrides;
	*msg = NULL;
	return 0;
}
