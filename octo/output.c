/*
 * octo/output.c: human tables (columns as wide as their widest cell) and
 * JSON for scripts (the server's objects, indented).
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "extern.h"

struct octo_table {
	size_t	  ncols, nrows, cap;
	char	**cells;	/* nrows * ncols, row 0 the header */
};

static void
tbl_addv(struct octo_table *t, va_list ap)
{
	const char	*s;
	char		**c;
	size_t		 i;

	if (t->nrows == t->cap) {
		t->cap = t->cap ? t->cap * 2 : 16;
		if ((c = reallocarray(t->cells, t->cap * t->ncols,
		    sizeof(*c))) == NULL) {
			perror("octo");
			exit(EXIT_CONN);
		}
		t->cells = c;
	}
	for (i = 0; i < t->ncols; i++) {
		s = va_arg(ap, const char *);
		if ((t->cells[t->nrows * t->ncols + i] =
		    strdup(s ? s : "-")) == NULL) {
			perror("octo");
			exit(EXIT_CONN);
		}
	}
	t->nrows++;
}

/* A table of ncols columns with these headers; free with tbl_free. */
struct octo_table *
tbl_new(size_t ncols, ...)
{
	struct octo_table	*t;
	va_list			 ap;

	if ((t = calloc(1, sizeof(*t))) == NULL) {
		perror("octo");
		exit(EXIT_CONN);
	}
	t->ncols = ncols;
	va_start(ap, ncols);
	tbl_addv(t, ap);
	va_end(ap);
	return t;
}

/* A row of ncols strings (copied; NULL shows as "-"). */
void
tbl_add(struct octo_table *t, ...)
{
	va_list	 ap;

	va_start(ap, t);
	tbl_addv(t, ap);
	va_end(ap);
}

size_t
tbl_rows(const struct octo_table *t)
{
	return t->nrows - 1;
}

void
tbl_print(const struct octo_table *t, FILE *f)
{
	size_t	 r, c, w, *width;

	if ((width = calloc(t->ncols, sizeof(*width))) == NULL)
		return;
	for (r = 0; r < t->nrows; r++)
		for (c = 0; c < t->ncols; c++)
			if ((w = strlen(t->cells[r * t->ncols + c])) >
			    width[c])
				width[c] = w;
	for (r = 0; r < t->nrows; r++) {
		for (c = 0; c < t->ncols; c++) {
			const char *s = t->cells[r * t->ncols + c];

			if (c + 1 == t->ncols)
				fprintf(f, "%s\n", s);
			else
				fprintf(f, "%-*s  ", (int)width[c], s);
		}
	}
	free(width);
}

void
tbl_free(struct octo_table *t)
{
	size_t	 i;

	if (t == NULL)
		return;
	for (i = 0; i < t->nrows * t->ncols; i++)
		free(t->cells[i]);
	free(t->cells);
	free(t);
}

/* j on stdout, indented, with a final newline. */
void
out_json(json_t *j)
{
	json_dumpf(j, stdout, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
	fputc('\n', stdout);
}

/* The string member key of obj, or def when absent, null or not a string. */
const char *
jstr(json_t *obj, const char *key, const char *def)
{
	json_t	*v = json_object_get(obj, key);

	return json_is_string(v) ? json_string_value(v) : def;
}

/* An override as "K=V", a secret as "K=***", in buf. */
const char *
out_override(json_t *o, char *buf, size_t len)
{
	snprintf(buf, len, "%s=%s", jstr(o, "key", "?"),
	    json_is_true(json_object_get(o, "secret")) ? "***" :
	    jstr(o, "value", ""));
	return buf;
}
