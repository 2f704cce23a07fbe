/*
 * octo/output.c: human tables (columns as wide as their widest cell),
 * JSON for scripts (the server's objects, indented), and the escapes that
 * keep text output from driving the terminal.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "extern.h"
#include "utf8.h"

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

/*
 * j on stdout, indented, with a final newline; ASCII only (controls and
 * everything past U+007F as \uXXXX), so that it is safe on a terminal too.
 */
void
out_json(json_t *j)
{
	json_dumpf(j, stdout, JSON_INDENT(2) | JSON_PRESERVE_ORDER |
	    JSON_ENSURE_ASCII);
	fputc('\n', stdout);
}

/* The string member key of obj, or def when absent, null or not a string. */
const char *
jstr(json_t *obj, const char *key, const char *def)
{
	json_t	*v = json_object_get(obj, key);

	return json_is_string(v) ? json_string_value(v) : def;
}

/*
 * An override as "K=V", a secret as "K=***", a deleted one (a default's
 * key removed, docs/API.md) as "K (default removed)", as the UI says;
 * in buf, which it returns.
 */
const char *
out_override(json_t *o, char *buf, size_t len)
{
	if (json_is_true(json_object_get(o, "deleted")))
		snprintf(buf, len, "%s (default removed)", jstr(o, "key", "?"));
	else
		snprintf(buf, len, "%s=%s", jstr(o, "key", "?"),
		    json_is_true(json_object_get(o, "secret")) ? "***" :
		    jstr(o, "value", ""));
	return buf;
}

/*
 * Terminal safety: text output passes through out_escape, so that nothing
 * a server, a script or a user wrote (values, links, script output, error
 * messages) can drive the terminal. Kept: printable text, valid UTF-8,
 * '\n' and '\t'. Escaped: other C0 controls and DEL as \xHH, C1
 * (U+0080-U+009F) and the bidirectional controls U+202A-U+202E and
 * U+2066-U+2069 as \u{XXXX}, and bytes that are not valid UTF-8 as \xHH.
 * JSON output (-o json) is ASCII (out_json) with DEL as \u007f.
 */
struct esc_stream {
	FILE		*real;
	int		 always;	/* stderr: whatever the output mode */
	unsigned char	 pend[4];	/* an incomplete UTF-8 sequence */
	size_t		 npend;
};

/* Whether code point cp must be shown escaped. */
int
out_unsafe_cp(long cp)
{
	return (cp < 0x20 && cp != '\n' && cp != '\t') || cp == 0x7f ||
	    (cp >= 0x80 && cp <= 0x9f) || (cp >= 0x202a && cp <= 0x202e) ||
	    (cp >= 0x2066 && cp <= 0x2069);
}

/*
 * Write the escaped form of buf (len bytes) to es->real. A sequence is
 * checked byte by byte (lib/utf8.c): where a byte does not fit, what came
 * before it is written as \xHH and the byte starts again. A sequence cut
 * off at the end of buf waits in es->pend for the next call (with flush:
 * written as \xHH).
 */
static void
esc_write(struct esc_stream *es, const unsigned char *buf, size_t len,
    int flush)
{
	size_t		 i = 0, j, n;
	long		 cp;

	while (i < len || (flush && es->npend > 0)) {
		if (es->npend == 0) {
			n = utf8_len(buf[i]);
			if (n == 1) {
				if (out_unsafe_cp(buf[i]))
					fprintf(es->real, "\\x%02x", buf[i]);
				else
					fputc(buf[i], es->real);
				i++;
				continue;
			}
			if (n == 0) {
				fprintf(es->real, "\\x%02x", buf[i++]);
				continue;
			}
			es->pend[es->npend++] = buf[i++];
		}
		n = utf8_len(es->pend[0]);
		while (es->npend < n && i < len &&
		    utf8_next_ok(es->pend[0], es->npend, buf[i]))
			es->pend[es->npend++] = buf[i++];
		if (es->npend < n && i == len && !flush)
			return;		/* fine so far: wait for the rest */
		if (es->npend < n) {
			/* broken or cut short: its bytes escaped */
			for (j = 0; j < es->npend; j++)
				fprintf(es->real, "\\x%02x", es->pend[j]);
		} else if (out_unsafe_cp(cp = utf8_decode(es->pend, n)))
			fprintf(es->real, "\\u{%04lx}", cp);
		else
			fwrite(es->pend, 1, n, es->real);
		es->npend = 0;
	}
}

static ssize_t
esc_cookie_write(void *cookie, const char *buf, size_t len)
{
	struct esc_stream *es = cookie;

	size_t i;

	if (!es->always && octo.json) {
		/* ASCII JSON (out_json); DEL is the one raw control left */
		for (i = 0; i < len; i++)
			if (buf[i] == 0x7f)
				fputs("\\u007f", es->real);
			else
				fputc(buf[i], es->real);
	} else
		esc_write(es, (const unsigned char *)buf, len, 0);
	if (fflush(es->real) == EOF || ferror(es->real))
		return -1;
	return (ssize_t)len;
}

static int
esc_cookie_close(void *cookie)
{
	struct esc_stream *es = cookie;

	esc_write(es, NULL, 0, 1);
	fclose(es->real);
	free(es);
	return 0;
}

/* A stream writing to real through the escapes; real if that fails. */
static FILE *
esc_stream(FILE *real, int always)
{
	static const cookie_io_functions_t io = {
		.write = esc_cookie_write,
		.close = esc_cookie_close,
	};
	struct esc_stream	*es;
	FILE			*f;

	if ((es = calloc(1, sizeof(*es))) == NULL)
		return real;
	es->real = real;
	es->always = always;
	if ((f = fopencookie(es, "w", io)) == NULL) {
		free(es);
		return real;
	}
	return f;
}

static FILE	*esc_out, *esc_err;

/* At exit: what is buffered, then an incomplete sequence, escaped. */
static void
esc_at_exit(void)
{
	FILE *f[2] = { esc_out, esc_err };
	int   i;

	for (i = 0; i < 2; i++)
		if (f[i] != NULL)
			fclose(f[i]);	/* esc_cookie_close */
	esc_out = esc_err = NULL;
}

/*
 * From here on, stdout (text output) and stderr (messages) go through the
 * escapes, to copies of the original descriptors.
 */
void
out_safe_init(void)
{
	FILE	*o, *e;
	int	 fo, fe;

	if ((fo = dup(STDOUT_FILENO)) == -1 || (fe = dup(STDERR_FILENO)) == -1)
		return;
	if ((o = fdopen(fo, "w")) == NULL || (e = fdopen(fe, "w")) == NULL)
		return;
	if ((esc_out = esc_stream(o, 0)) == o || (esc_err = esc_stream(e, 1)) == e)
		return;
	setvbuf(esc_err, NULL, _IOLBF, 0);
	stdout = esc_out;
	stderr = esc_err;
	atexit(esc_at_exit);
}
