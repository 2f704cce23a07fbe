/*
 * t/fuzz/fuzz_octo_response.c: what octo parses from the server and the
 * command line: error bodies, times, K=V overrides and durations. The
 * first two bytes pick an HTTP status.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "extern.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char		 code[64], msg[512], key[300], tbuf[32], *s;
	const char	*val;
	long		 status, secs;
	json_t		*list;

	if (size < 2)
		return 0;
	status = 100 + (data[0] << 8 | data[1]) % 500;
	(void)octo_parse_error(status, (const char *)data + 2, size - 2, code,
	    sizeof(code), msg, sizeof(msg));
	/* lines are kept; no other control character, no final newline */
	for (s = msg; *s != '\0'; s++)
		if (((unsigned char)*s < 0x20 && *s != '\n' && *s != '\t') ||
		    *s == 0x7f)
			abort();
	if (s > msg && s[-1] == '\n')
		abort();
	(void)octo_exit_for(status, code);
	if ((s = malloc(size - 1)) == NULL)
		return 0;
	memcpy(s, data + 2, size - 2);
	s[size - 2] = '\0';
	(void)octo_time(s, tbuf, sizeof(tbuf));
	(void)octo_parse_kv(s, key, sizeof(key), &val);
	(void)octo_parse_duration(s, &secs);
	list = json_array();
	(void)octo_override_add(list, s, 1, msg, sizeof(msg));
	json_decref(list);
	free(s);
	return 0;
}
