/*
 * fcgi/rowjson.c: a PGresult row to a JSON object, led by a table of
 * {name, type} per column; SQL NULL becomes JSON null.
 */
#include <stdlib.h>
#include <string.h>

#include "extern.h"

/* Returns a new object (caller decrefs) or NULL when out of memory. */
json_t *
row_json(PGresult *res, int row, const struct col *cols)
{
	json_t	*o = json_object(), *v;
	int	 i;

	if (o == NULL)
		return NULL;
	for (i = 0; cols[i].name != NULL; i++) {
		const char *s = PQgetvalue(res, row, i);

		if (cols[i].type == COL_SKIP)
			continue;
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
			v = json_loads(s, JSON_DECODE_ANY, NULL);
			if (v == NULL)
				v = json_null();
			break;
		default:
			v = json_string(s);
			break;
		}
		json_object_set_new(o, cols[i].name, v);
	}
	return o;
}
