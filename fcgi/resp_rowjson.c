/*
 * fcgi/resp_rowjson.c: a PGresult row to a JSON object, led by a table of
 * {name, type} per column; SQL NULL becomes JSON null.
 */
#include <stdlib.h>
#include <string.h>

#include "extern.h"

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
