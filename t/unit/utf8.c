/*
 * t/unit/utf8.c: lib/utf8.c's table against UTF-8 as section 3.9 of the
 * Unicode standard defines it in words (decode, then refuse overlongs,
 * surrogates and code points past U+10FFFF), over every string of one,
 * two and three bytes, the four-byte strings led by F0-F7 (second and
 * third bytes 7F-C0), and every code point encoded and decoded again.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "octopod.h"
#include "utf8.h"

/*
 * The reference: the length of the one well-formed sequence that is all
 * of s[0..n) and its code point in *cp, or 0 when s[0..n) is not exactly
 * one. NUL is not text.
 */
static size_t
ref_one(const unsigned char *s, size_t n, long *cp)
{
	size_t	 want, i;
	long	 v, min;

	if (n == 0 || s[0] == 0)
		return 0;
	if (s[0] < 0x80)
		want = 1, v = s[0], min = 0;
	else if ((s[0] & 0xe0) == 0xc0)
		want = 2, v = s[0] & 0x1f, min = 0x80;
	else if ((s[0] & 0xf0) == 0xe0)
		want = 3, v = s[0] & 0x0f, min = 0x800;
	else if ((s[0] & 0xf8) == 0xf0)
		want = 4, v = s[0] & 0x07, min = 0x10000;
	else
		return 0;
	if (n != want)
		return 0;
	for (i = 1; i < n; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		v = (v << 6) | (s[i] & 0x3f);
	}
	if (v < min || v > 0x10ffff || (v >= 0xd800 && v <= 0xdfff))
		return 0;
	*cp = v;
	return n;
}

/* The reference for a whole string: sequence after sequence. */
static int
ref_valid(const unsigned char *s, size_t n)
{
	size_t	 i = 0, len;
	long	 cp;

	while (i < n) {
		for (len = 1; len <= 4 && i + len <= n; len++)
			if (ref_one(s + i, len, &cp) != 0)
				break;
		if (len > 4 || i + len > n)
			return 0;
		i += len;
	}
	return 1;
}

/* What lib/utf8.c says of s[0..n) as one sequence, checked both ways. */
static void
check(const unsigned char *s, size_t n)
{
	long	 want = 0, got;
	size_t	 ok = ref_one(s, n, &want), k;
	int	 fits = utf8_len(s[0]) == n;

	for (k = 1; fits && k < n; k++)
		fits = utf8_next_ok(s[0], k, s[k]);
	got = utf8_decode(s, n);
	if ((ok != 0) != fits || (ok != 0) != (got != -1) ||
	    (ok != 0 && got != want) ||
	    ref_valid(s, n) != utf8_valid((const char *)s, n))
		fail_msg("%02x %02x %02x %02x (%zu bytes): reference %s "
		    "(U+%04lX), table %s, decode %ld, valid %d", s[0],
		    n > 1 ? s[1] : 0, n > 2 ? s[2] : 0, n > 3 ? s[3] : 0, n,
		    ok ? "one sequence" : "not one", ok ? want : 0,
		    fits ? "one sequence" : "not one", got,
		    utf8_valid((const char *)s, n));
}

static void
test_short_strings(void **state)
{
	unsigned char	 s[3];
	unsigned	 a, b, c;

	(void)state;
	for (a = 0; a < 256; a++) {
		s[0] = a;
		check(s, 1);
		for (b = 0; b < 256; b++) {
			s[1] = b;
			check(s, 2);
			for (c = 0; c < 256; c++) {
				s[2] = c;
				check(s, 3);
			}
		}
	}
}

static void
test_four_bytes(void **state)
{
	unsigned char	 s[4];
	unsigned	 a, b, c, d;

	(void)state;
	/* second and third bytes: the continuation range and one either side */
	for (a = 0xf0; a <= 0xf7; a++)
		for (b = 0x7f; b <= 0xc0; b++)
			for (c = 0x7f; c <= 0xc0; c++)
				for (d = 0; d < 256; d++) {
					s[0] = a, s[1] = b, s[2] = c, s[3] = d;
					check(s, 4);
				}
}

/* Every code point, as the standard encodes it, decodes back. */
static void
test_every_code_point(void **state)
{
	unsigned char	 s[4];
	long		 cp;
	size_t		 n;

	(void)state;
	for (cp = 1; cp <= 0x10ffff; cp++) {
		if (cp >= 0xd800 && cp <= 0xdfff)
			continue;
		if (cp < 0x80)
			s[0] = cp, n = 1;
		else if (cp < 0x800)
			s[0] = 0xc0 | cp >> 6, s[1] = 0x80 | (cp & 0x3f), n = 2;
		else if (cp < 0x10000)
			s[0] = 0xe0 | cp >> 12, s[1] = 0x80 | (cp >> 6 & 0x3f),
			    s[2] = 0x80 | (cp & 0x3f), n = 3;
		else
			s[0] = 0xf0 | cp >> 18, s[1] = 0x80 | (cp >> 12 & 0x3f),
			    s[2] = 0x80 | (cp >> 6 & 0x3f),
			    s[3] = 0x80 | (cp & 0x3f), n = 4;
		if (utf8_decode(s, n) != cp)
			fail_msg("U+%04lX decodes as %ld", cp, utf8_decode(s, n));
	}
}

/* The rows' edges, named, for whoever reads a failure. */
static void
test_edges(void **state)
{
	(void)state;
	assert_int_equal(utf8_len(0x00), 0);	/* NUL is not text */
	assert_int_equal(utf8_len('A'), 1);
	assert_int_equal(utf8_len(0x80), 0);	/* a continuation byte */
	assert_int_equal(utf8_len(0xc1), 0);	/* only overlongs */
	assert_int_equal(utf8_len(0xc2), 2);
	assert_int_equal(utf8_len(0xef), 3);
	assert_int_equal(utf8_len(0xf4), 4);
	assert_int_equal(utf8_len(0xf5), 0);	/* past U+10FFFF */
	assert_false(utf8_next_ok(0xe0, 1, 0x9f));	/* overlong */
	assert_true(utf8_next_ok(0xe0, 1, 0xa0));
	assert_true(utf8_next_ok(0xed, 1, 0x9f));	/* U+D7FF */
	assert_false(utf8_next_ok(0xed, 1, 0xa0));	/* U+D800 */
	assert_false(utf8_next_ok(0xf0, 1, 0x8f));	/* overlong */
	assert_true(utf8_next_ok(0xf4, 1, 0x8f));	/* U+10FFFF */
	assert_false(utf8_next_ok(0xf4, 1, 0x90));	/* U+110000 */
	assert_true(utf8_next_ok(0xf4, 3, 0xbf));
	assert_false(utf8_next_ok(0xf4, 4, 0xbf));	/* past its end */
	assert_false(utf8_next_ok(0xc3, 1, 'A'));
	assert_false(utf8_next_ok('A', 1, 0x80));
	assert_true(utf8_valid("", 0));
	assert_false(utf8_valid("a\0b", 3));
	assert_false(utf8_valid("\xe2\x82", 2));	/* cut short */
	assert_true(utf8_valid("caf\xc3\xa9 \xf0\x9f\x90\x99", 10));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_edges),
		cmocka_unit_test(test_short_strings),
		cmocka_unit_test(test_four_bytes),
		cmocka_unit_test(test_every_code_point),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
