#!/usr/bin/env bash
# octo's terminal escapes (octo/output.c) check UTF-8 byte by byte by
# lib/utf8.c's table: where a byte does not fit, the bytes before it are
# shown as \xHH and that byte starts again, so the text after a broken
# sequence is shown as it is. Well-formed text passes unchanged, also when
# a sequence straddles the pieces the stream is written in. No server:
# the text is an unknown command's name, which octo echoes on stderr.
. "$(dirname "$0")/lib/control.sh"
O=${O:-build}
case "$O" in /*) ;; *) O="$T_ROOT/$O" ;; esac
OCTO=$O/bin/octo
unset OCTOPOD_URL TLS_CERT_PATH TLS_KEY_PATH TLS_CA_PATH

# echo NAME: what octo says of the unknown command NAME, between the quotes
echoed()
{
	"$OCTO" "$1" 2>&1 >/dev/null | sed -n \
	    's/^octo: unknown command "\(.*\)" (octo help lists them)$/\1/p'
}

t_rc 2 "an unknown command" "$OCTO" nope
t_is "$(echoed "$(printf 'caf\303\251 \342\202\254 \360\237\220\231')")" \
    "$(printf 'caf\303\251 \342\202\254 \360\237\220\231')" \
    "well-formed UTF-8 passes unchanged (2, 3 and 4 bytes)"
t_is "$(echoed "$(printf 'a\303Ab')")" 'a\xc3Ab' \
    "a lead byte then ASCII: the lead escaped, the ASCII kept"
t_is "$(echoed "$(printf 'a\342\202Ab')")" 'a\xe2\x82Ab' \
    "a 3-byte sequence broken after 2 bytes: both escaped, the ASCII kept"
t_is "$(echoed "$(printf 'a\303\303\251b')")" 'a\xc3'"$(printf '\303\251')"b \
    "a lead then a whole sequence: the lead escaped, the sequence kept"
t_is "$(echoed "$(printf 'end\342\202')")" 'end\xe2\x82' \
    "cut off at the end: escaped, and the closing quote is a quote"
t_is "$(echoed "$(printf '\200\277x')")" '\x80\xbfx' "stray continuation bytes"
t_is "$(echoed "$(printf '\300\257\301\277\365\200')")" '\xc0\xaf\xc1\xbf\xf5\x80' \
    "bytes that lead nothing (C0, C1, F5)"
t_is "$(echoed "$(printf '\340\200\257')")" '\xe0\x80\xaf' "an overlong 3-byte slash"
t_is "$(echoed "$(printf '\360\217\277\277')")" '\xf0\x8f\xbf\xbf' "an overlong 4-byte sequence"
t_is "$(echoed "$(printf '\355\240\200')")" '\xed\xa0\x80' "a surrogate (U+D800)"
t_is "$(echoed "$(printf '\364\220\200\200')")" '\xf4\x90\x80\x80' "past U+10FFFF"
t_is "$(echoed "$(printf '\355\237\277|\364\217\277\277|\340\240\200')")" \
    "$(printf '\355\237\277|\364\217\277\277|\340\240\200')" \
    "the edges that are text: U+D7FF, U+10FFFF, U+0800"
t_is "$(echoed "$(printf '\302\205|\342\200\256|\342\201\246|\001|\177')")" \
    '\u{0085}|\u{202e}|\u{2066}|\x01|\x7f' "C1, bidi controls, C0 and DEL escaped"

# sequences across the stream's pieces (its buffers are 4 and 8 KiB): at
# every offset near 4096 and 8192, a 3-byte one and a broken one
pre='octo: unknown command "'
bad=0
for edge in 4096 8192; do
	for d in -4 -3 -2 -1 0 1 2; do
		n=$((edge - ${#pre} + d))
		pad=$(head -c "$n" /dev/zero | tr '\0' x)
		got=$(echoed "$pad$(printf '\342\202\254\342\202A')")
		[ "$got" = "$pad$(printf '\342\202\254')"'\xe2\x82A' ] || {
			bad=$((bad + 1))
			t_diag "at $n: ...${got: -24}"
		}
	done
done
t_is "$bad" 0 "at every offset across 4 and 8 KiB the same text"
t_done
