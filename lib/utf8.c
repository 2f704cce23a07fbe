/*
 * lib/utf8.c: UTF-8 by Unicode's Table 3-7 (section 3.9, "Well-Formed
 * UTF-8 Byte Sequences"): the lead byte says how long a sequence is and
 * which second bytes may follow it (that one range rules out overlongs,
 * surrogates and code points past U+10FFFF); every later byte is
 * 0x80-0xBF. A decoder that checks each byte as it comes (utf8_next_ok)
 * stops at the first one that does not fit, which is how the streaming
 * users (octo's terminal escapes; fcgi's script output filter works the
 * same way) cut a broken sequence short and start again at the byte that
 * broke it.
 */
#include <stddef.h>

#include "octopod.h"
#include "utf8.h"

/* The rows of Table 3-7; a byte in none of them leads no sequence. */
static const struct utf8_lead {
	unsigned char	 first, last;	/* the lead bytes of the row */
	unsigned char	 len;		/* bytes in the sequence */
	unsigned char	 lo, hi;	/* what the second byte may be */
} utf8_leads[] = {
	{ .first = 0x01, .last = 0x7f, .len = 1 },
	{ .first = 0xc2, .last = 0xdf, .len = 2, .lo = 0x80, .hi = 0xbf },
	{ .first = 0xe0, .last = 0xe0, .len = 3, .lo = 0xa0, .hi = 0xbf },
	{ .first = 0xe1, .last = 0xec, .len = 3, .lo = 0x80, .hi = 0xbf },
	{ .first = 0xed, .last = 0xed, .len = 3, .lo = 0x80, .hi = 0x9f },
	{ .first = 0xee, .last = 0xef, .len = 3, .lo = 0x80, .hi = 0xbf },
	{ .first = 0xf0, .last = 0xf0, .len = 4, .lo = 0x90, .hi = 0xbf },
	{ .first = 0xf1, .last = 0xf3, .len = 4, .lo = 0x80, .hi = 0xbf },
	{ .first = 0xf4, .last = 0xf4, .len = 4, .lo = 0x80, .hi = 0x8f },
};
#define NLEADS	(sizeof(utf8_leads) / sizeof(utf8_leads[0]))

/* The row of lead, or NULL when it leads no sequence. */
static const struct utf8_lead *
utf8_row(unsigned char lead)
{
	size_t	 i;

	for (i = 0; i < NLEADS; i++)
		if (lead >= utf8_leads[i].first && lead <= utf8_leads[i].last)
			return &utf8_leads[i];
	return NULL;
}

/*
 * The length (1 to 4) of the sequence that lead starts, or 0 when lead
 * cannot start one: NUL, a continuation byte (0x80-0xBF), 0xC0, 0xC1 or
 * 0xF5-0xFF.
 */
size_t
utf8_len(unsigned char lead)
{
	const struct utf8_lead	*r;

	if (lead >= 0x01 && lead < 0x80)
		return 1;
	return (r = utf8_row(lead)) == NULL ? 0 : r->len;
}

/*
 * Whether c may be byte k (1 to utf8_len(lead) - 1) of the sequence that
 * lead starts; 0 for a lead that starts none or a k past its end.
 */
int
utf8_next_ok(unsigned char lead, size_t k, unsigned char c)
{
	const struct utf8_lead	*r;

	if ((r = utf8_row(lead)) == NULL || k == 0 || k >= r->len)
		return 0;
	if (k == 1)
		return c >= r->lo && c <= r->hi;
	return c >= 0x80 && c <= 0xbf;
}

/*
 * The code point of s[0..n), or -1 unless s[0..n) is exactly one
 * well-formed sequence.
 */
long
utf8_decode(const unsigned char *s, size_t n)
{
	static const unsigned char	 mask[5] = {
		[1] = 0x7f, [2] = 0x1f, [3] = 0x0f, [4] = 0x07,
	};
	long				 cp;
	size_t				 k;

	if (n == 0 || utf8_len(s[0]) != n)
		return -1;
	cp = s[0] & mask[n];
	for (k = 1; k < n; k++) {
		if (!utf8_next_ok(s[0], k, s[k]))
			return -1;
		cp = (cp << 6) | (s[k] & 0x3f);
	}
	return cp;
}

/* Return 1 when s[0..len) is well-formed UTF-8 without NUL, else 0. */
int
utf8_valid(const char *s, size_t len)
{
	const unsigned char	*p = (const unsigned char *)s;
	const struct utf8_lead	*r;
	size_t			 i = 0, k;

	while (i < len) {
		if (p[i] >= 0x01 && p[i] < 0x80) {
			i++;
			continue;
		}
		if ((r = utf8_row(p[i])) == NULL || r->len > len - i ||
		    p[i + 1] < r->lo || p[i + 1] > r->hi)
			return 0;
		for (k = 2; k < r->len; k++)
			if (p[i + k] < 0x80 || p[i + k] > 0xbf)
				return 0;
		i += r->len;
	}
	return 1;
}
