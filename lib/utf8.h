/*
 * lib/utf8.h: the well-formed UTF-8 byte sequences (Unicode 15, section
 * 3.9, Table 3-7), one table for every program: octo's terminal escapes
 * (octo/output.c), utf8_valid (declared in octopod.h) and the script
 * output filter (fcgi/mask.c). NUL is not text
 * anywhere in octopod: it leads no sequence here.
 */
#ifndef OCTOPOD_UTF8_H
#define OCTOPOD_UTF8_H

#include <stddef.h>

size_t	 utf8_len(unsigned char lead);
int	 utf8_next_ok(unsigned char lead, size_t k, unsigned char c);
long	 utf8_decode(const unsigned char *s, size_t n);

#endif
