/*
 * fcgi/mask.c: script output made fit to store and show. Bytes that are
 * not UTF-8 text (and NUL) become U+FFFD; every secret override value
 * becomes "***". Output comes in pieces of any size, so a UTF-8 sequence
 * or a secret may be split between two reads: the unfinished tail is
 * carried to the next piece. Secret values hold no line break (valid.c),
 * so a complete line can always be masked at once; a line longer than
 * MASK_LINE_MAX is cut, keeping back the longest secret's length - 1.
 */
#include <stdlib.h>
#include <string.h>

#include "extern.h"
#include "utf8.h"

#define MASK_LINE_MAX	65536
#define REPLACEMENT	"\xef\xbf\xbd"

static int
by_length_desc(const void *a, const void *b)
{
	size_t la = strlen(*(char *const *)a), lb = strlen(*(char *const *)b);

	return la < lb ? 1 : la > lb ? -1 : 0;
}

/*
 * Start a masker for the secret values in the JSON array "secrets" (of
 * strings; may be NULL). Empty values are ignored. The mask owns copies.
 */
void
mask_init(struct mask *m, json_t *secrets)
{
	size_t	 i;
	json_t	*v;

	memset(m, 0, sizeof(*m));
	if (secrets == NULL || json_array_size(secrets) == 0)
		return;
	m->secrets = calloc(json_array_size(secrets), sizeof(char *));
	if (m->secrets == NULL)
		return;
	json_array_foreach(secrets, i, v) {
		const char *s = json_string_value(v);

		if (s == NULL || *s == '\0')
			continue;
		if ((m->secrets[m->nsecrets] = strdup(s)) == NULL)
			continue;
		if (strlen(s) > m->maxlen)
			m->maxlen = strlen(s);
		m->nsecrets++;
	}
	qsort(m->secrets, m->nsecrets, sizeof(char *), by_length_desc);
}

void
mask_free(struct mask *m)
{
	size_t i;

	for (i = 0; i < m->nsecrets; i++)
		free(m->secrets[i]);
	free(m->secrets);
	sbuf_free(&m->text);
	memset(m, 0, sizeof(*m));
}

/*
 * Move p[0..n) into m->text as valid UTF-8. With eof, an unfinished
 * sequence at the end becomes U+FFFD; without, it waits in m->utf8.
 */
static int
sanitize(struct mask *m, const unsigned char *p, size_t n, int eof)
{
	size_t i = 0;

	while (i < n) {
		size_t	 len = utf8_len(p[i]), k;

		if (len == 1) {
			size_t j = i;

			while (j < n && p[j] >= 0x01 && p[j] < 0x80)
				j++;
			if (sbuf_add(&m->text, p + i, j - i) == -1)
				return -1;
			i = j;
			continue;
		}
		if (len == 0) {
			if (sbuf_add(&m->text, REPLACEMENT, 3) == -1)
				return -1;
			i++;
			continue;
		}
		for (k = 1; k < len && i + k < n; k++)
			if (!utf8_next_ok(p[i], k, p[i + k]))
				break;
		if (k == len) {
			if (sbuf_add(&m->text, p + i, len) == -1)
				return -1;
			i += len;
		} else if (i + k == n && !eof) {
			/* unfinished but fine so far: wait for more */
			memcpy(m->utf8, p + i, k);
			m->nutf8 = k;
			return 0;
		} else {
			if (sbuf_add(&m->text, REPLACEMENT, 3) == -1)
				return -1;
			i += k;
		}
	}
	return 0;
}

/* Copy text[0..end) to out with secrets masked; returns bytes consumed. */
static size_t
mask_span(struct mask *m, size_t end, struct sbuf *out)
{
	const char	*t = m->text.p;
	size_t		 i = 0, from = 0, s;

	if (m->nsecrets == 0) {
		sbuf_add(out, t, end);
		return end;
	}
	while (i < end) {
		for (s = 0; s < m->nsecrets; s++) {
			size_t l = strlen(m->secrets[s]);

			if (m->secrets[s][0] == t[i] && i + l <= m->text.len &&
			    memcmp(t + i, m->secrets[s], l) == 0)
				break;
		}
		if (s == m->nsecrets) {
			i++;
			continue;
		}
		sbuf_add(out, t + from, i - from);
		sbuf_add(out, "***", 3);
		i += strlen(m->secrets[s]);
		from = i;
	}
	sbuf_add(out, t + from, i - from);
	return i;
}

/* Mask what can be masked now of m->text into out, keep the rest. */
static void
mask_flush(struct mask *m, struct sbuf *out, int all)
{
	size_t end, used;

	if (m->text.len == 0)
		return;
	if (all || m->nsecrets == 0)
		end = m->text.len;
	else {
		const char *nl = memrchr(m->text.p, '\n', m->text.len);

		end = nl ? (size_t)(nl - m->text.p) + 1 : 0;
		if (m->text.len - end > MASK_LINE_MAX) {
			end = m->text.len - (m->maxlen - 1);
			while (end > 0 &&
			    ((unsigned char)m->text.p[end] & 0xc0) == 0x80)
				end--;
		}
	}
	if (end == 0)
		return;
	used = mask_span(m, end, out);
	memmove(m->text.p, m->text.p + used, m->text.len - used);
	m->text.len -= used;
	m->text.p[m->text.len] = '\0';
}

/*
 * Feed n bytes of output; append to out what is ready (valid UTF-8,
 * secrets masked). Returns 0, or -1 when out of memory.
 */
int
mask_feed(struct mask *m, const char *p, size_t n, struct sbuf *out)
{
	int rc;

	if (m->nutf8 > 0) {
		/* the carried unfinished sequence goes first */
		unsigned char	*tmp;
		size_t		 k = m->nutf8;

		if ((tmp = malloc(k + n)) == NULL)
			return -1;
		memcpy(tmp, m->utf8, k);
		memcpy(tmp + k, p, n);
		m->nutf8 = 0;
		rc = sanitize(m, tmp, k + n, 0);
		free(tmp);
		mask_flush(m, out, 0);
		return rc;
	}
	rc = sanitize(m, (const unsigned char *)p, n, 0);
	mask_flush(m, out, 0);
	return rc;
}

/* The output ended: everything left goes to out. */
int
mask_finish(struct mask *m, struct sbuf *out)
{
	int rc = 0;

	if (m->nutf8 > 0) {
		unsigned char tmp[4];
		size_t k = m->nutf8;

		memcpy(tmp, m->utf8, k);
		m->nutf8 = 0;
		rc = sanitize(m, tmp, k, 1);
	}
	mask_flush(m, out, 1);
	return rc;
}

/* A malloc'd copy of s with the secrets masked (and valid UTF-8). */
char *
mask_string(json_t *secrets, const char *s)
{
	struct mask	 m;
	struct sbuf	 out = { NULL, 0, 0 };

	mask_init(&m, secrets);
	mask_feed(&m, s, strlen(s), &out);
	mask_finish(&m, &out);
	mask_free(&m);
	if (out.p == NULL)
		return strdup("");
	return out.p;
}
