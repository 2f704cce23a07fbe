/*
 * fcgi/resp_rowjson.c: a PGresult row to a JSON object, led by a table of
 * {name, type} per column; SQL NULL becomes JSON null.
 */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "extern.h"

/*
 * A time as the API shows it, "YYYY-MM-DDTHH:MM:SS.mmmZ" (UTC, the
 * milliseconds cut, as octopod_iso() of sql/001 shows it), from the text
 * of queries.h DEP_TIME: a JSON string "YYYY-MM-DDTHH:MM:SS[.f...]" with
 * up to six digits of fraction. Anything else (a year past 9999,
 * infinity) is shown as it came, without its quotes. NULL when out of
 * memory or not UTF-8.
 */
json_t *
time_json(const char *s, size_t len)
{
	/* up to six digits of fraction, or none and no '.' */
	static const char	 form[] = "dddd-dd-ddTdd:dd:dd.dddddd";
	char			 out[sizeof("YYYY-MM-DDTHH:MM:SS.mmmZ")];
	size_t			 i;
	int			 ok;

	if (len >= 2 && s[0] == '"' && s[len - 1] == '"') {
		s++;
		len -= 2;
	}
	ok = len >= 19 && len < sizeof(form) && len != 20;
	for (i = 0; ok && i < len; i++)
		ok = form[i] == 'd' ? isdigit((unsigned char)s[i]) != 0 :
		    s[i] == form[i];
	if (!ok)
		return utf8_valid(s, len) ? json_stringn_nocheck(s, len) : NULL;
	memcpy(out, s, 19);
	out[19] = '.';
	for (i = 20; i < 23; i++)
		out[i] = i < len ? s[i] : '0';
	out[23] = 'Z';
	return json_stringn_nocheck(out, 24);
}

/*
 * Returns a new object (caller decrefs) or NULL when out of memory. A
 * string that is not UTF-8 leaves its key out (as json_string would).
 */
json_t *
row_json(PGresult *res, int row, const struct col *cols)
{
	json_t	*o = json_object(), *v;
	int	 i;

	if (o == NULL)
		return NULL;
	for (i = 0; cols[i].name != NULL; i++) {
		const char	*s;
		size_t		 len;

		if (cols[i].type == COL_SKIP)
			continue;
		s = PQgetvalue(res, row, i);
		len = (size_t)PQgetlength(res, row, i);
		if (PQgetisnull(res, row, i))
			v = json_null();
		else switch (cols[i].type) {
		case COL_INT:
			v = json_integer(strtoll(s, NULL, 10));
			break;
		case COL_BOOL:
			v = json_boolean(s[0] == 't');
			break;
		case COL_TIME:
			v = time_json(s, len);
			break;
		case COL_JSON:
			if (len == 2 && s[0] == '[' && s[1] == ']')
				v = json_array();	/* the usual links */
			else
				v = json_loadb(s, len, JSON_DECODE_ANY, NULL);
			if (v == NULL)
				v = json_null();
			break;
		default:
			v = utf8_valid(s, len) ? json_stringn_nocheck(s, len) :
			    NULL;
			break;
		}
		json_object_set_new_nocheck(o, cols[i].name, v);
	}
	return o;
}
