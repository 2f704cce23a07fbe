/*
 * fcgi/keys.c: key suggestions and default overrides (placeholder until
 * the runner lands: no scripts, empty lists).
 */
#include "extern.h"

void
api_override_keys(struct req *r, const char **args)
{
	(void)args;
	resp_json(r, 200, json_pack("{s:[]}", "keys"));
}

void
api_default_overrides(struct req *r, const char **args)
{
	(void)args;
	resp_json(r, 200, json_pack("{s:[]}", "overrides"));
}
