/*
 * lib/sbuf.c: a growing byte buffer, always NUL-terminated when it
 * holds anything (p is NULL until the first byte). Freed by sbuf_free.
 * octopod-fcgi's, and octo's and the OIDC client's answers as libcurl
 * hands them over (sbuf_curl).
 */
#include <stdlib.h>
#include <string.h>

#include "octopod.h"

/* Append n bytes; returns 0, or -1 when out of memory. */
int
sbuf_add(struct sbuf *b, const void *p, size_t n)
{
	if (b->len + n + 1 > b->cap) {
		size_t	 cap = b->cap ? b->cap : 256;
		char	*np;

		while (cap < b->len + n + 1)
			cap *= 2;
		if ((np = realloc(b->p, cap)) == NULL)
			return -1;
		b->p = np;
		b->cap = cap;
	}
	if (n > 0)
		memcpy(b->p + b->len, p, n);
	b->len += n;
	b->p[b->len] = '\0';
	return 0;
}

int
sbuf_addc(struct sbuf *b, char c)
{
	return sbuf_add(b, &c, 1);
}

void
sbuf_free(struct sbuf *b)
{
	free(b->p);
	memset(b, 0, sizeof(*b));
}

/*
 * A libcurl CURLOPT_WRITEFUNCTION: appends to the struct sbuf_capped at
 * arg, until it would hold more than max bytes (then over is set, and
 * libcurl stops the transfer) or memory runs out.
 */
size_t
sbuf_curl(char *data, size_t size, size_t n, void *arg)
{
	struct sbuf_capped	*b = arg;
	size_t			 len = size * n;

	if (b->buf.len + len > b->max) {
		b->over = 1;
		return 0;
	}
	return sbuf_add(&b->buf, data, len) == 0 ? len : 0;
}
