/*
 * lib/valid.c: the validation rules for what users send. The same rules
 * are described in docs/API.md and mirrored by the UI.
 */
#include <string.h>

#include "octopod.h"

/*
 * A deployment name is a DNS label (RFC 1123) that starts with a letter:
 * it becomes a host name, a Kubernetes namespace or release name and a
 * directory name, so it must be safe in all of them.
 */
const char *
valid_name(const char *s, size_t len)
{
	size_t i;

	if (len == 0)
		return "name is empty";
	if (len > NAME_MAX_LEN)
		return "name is longer than 63 characters";
	if (s[0] < 'a' || s[0] > 'z')
		return "name must start with a lower-case letter";
	for (i = 0; i < len; i++) {
		char c = s[i];
		if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
		    c == '-'))
			return "name may contain only lower-case letters, "
			    "digits and '-'";
	}
	if (s[len - 1] == '-')
		return "name must not end with '-'";
	return NULL;
}

/* A tag is an OCI image tag: [A-Za-z0-9_][A-Za-z0-9_.-]{0,127}. */
const char *
valid_tag(const char *s, size_t len)
{
	size_t i;

	if (len == 0)
		return "tag is empty";
	if (len > TAG_MAX_LEN)
		return "tag is longer than 128 characters";
	for (i = 0; i < len; i++) {
		char c = s[i];
		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		    (c >= '0' && c <= '9') || c == '_' ||
		    (i > 0 && (c == '.' || c == '-'))))
			return "tag may contain only letters, digits, '_', "
			    "'.' and '-', and must not start with '.' or '-'";
	}
	return NULL;
}

/*
 * An override key: letters, digits and "._-/", first a letter or digit or
 * '_' (Helm value paths such as "image.repository", env names, labels).
 */
const char *
valid_key(const char *s, size_t len)
{
	size_t i;

	if (len == 0)
		return "key is empty";
	if (len > KEY_MAX_LEN)
		return "key is longer than 253 characters";
	for (i = 0; i < len; i++) {
		char c = s[i];
		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		    (c >= '0' && c <= '9') || c == '_' ||
		    (i > 0 && (c == '.' || c == '-' || c == '/'))))
			return "key may contain only letters, digits, '_', "
			    "'.', '-' and '/', and must start with a letter, "
			    "digit or '_'";
	}
	return NULL;
}

/*
 * A value: UTF-8 text, bounded, without line breaks or other control
 * characters (C0 but TAB, DEL, C1: U+0080-U+009F): a value reaches
 * terminals (octo), logs and script output, where ESC and friends would
 * act instead of being shown.
 */
const char *
valid_value(const char *s, size_t len)
{
	const unsigned char	*u = (const unsigned char *)s;
	size_t			 i;

	if (len > VALUE_MAX_LEN)
		return "value is longer than 4096 bytes";
	if (!utf8_valid(s, len))
		return "value is not valid UTF-8 text";
	for (i = 0; i < len; i++)
		if (s[i] == '\n' || s[i] == '\r')
			return "value must not contain line breaks";
	for (i = 0; i < len; i++)
		if ((u[i] < 0x20 && u[i] != '\t') || u[i] == 0x7f ||
		    (u[i] == 0xc2 && i + 1 < len && u[i + 1] >= 0x80 &&
		    u[i + 1] <= 0x9f))
			return "value must not contain control characters "
			    "(only TAB is allowed)";
	return NULL;
}
