/*
 * lib/server.c: the checks octopod-fcgi and octopod-notifier share (the
 * socket's mode and group, a browser's Origin); not linked into octo,
 * which is also built static (getgrnam needs glibc's NSS at run time).
 */
#include <sys/stat.h>

#include <errno.h>
#include <grp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "octopod.h"

/*
 * Make the unix socket at path reachable by its owner and one group only
 * (0660): the group SOCKET_GROUP (a name or a number) when set, else the
 * process's own. The responders trust what nginx tells them (docs/API.md
 * "Doors and identity") only because nobody else can connect. Returns 0,
 * or -1 with the reason in errbuf.
 */
int
sock_restrict(const char *path, char *errbuf, size_t errlen)
{
	const char	*g = setting_str("SOCKET_GROUP");
	struct group	*gr;
	char		*end;
	gid_t		 gid = (gid_t)-1;

	if (g != NULL && *g != '\0') {
		errno = 0;
		gid = (gid_t)strtoul(g, &end, 10);
		if (*end != '\0' || end == g) {
			if ((gr = getgrnam(g)) == NULL) {
				snprintf(errbuf, errlen, "invalid setting "
				    "SOCKET_GROUP=\"%s\": no such group", g);
				return -1;
			}
			gid = gr->gr_gid;
		}
	}
	if (gid != (gid_t)-1 && chown(path, (uid_t)-1, gid) == -1) {
		snprintf(errbuf, errlen, "could not give \"%s\" to group %s: %s",
		    path, g, strerror(errno));
		return -1;
	}
	if (chmod(path, 0660) == -1) {
		snprintf(errbuf, errlen, "could not chmod \"%s\": %s", path,
		    strerror(errno));
		return -1;
	}
	return 0;
}

/*
 * Whether a browser's Origin header names us: "https://HOST" where HOST
 * is the Host the request came to (with its port), or one of the
 * origins listed in ALLOWED_ORIGINS (separated by commas or spaces,
 * compared exactly, case-insensitively). Returns 1 or 0.
 */
int
origin_allowed(const char *origin, const char *host)
{
	const char	*list = setting_str("ALLOWED_ORIGINS"), *p, *e;
	size_t		 ol = strlen(origin), n;

	if (host != NULL && *host != '\0' && ol == 8 + strlen(host) &&
	    strncasecmp(origin, "https://", 8) == 0 &&
	    strcasecmp(origin + 8, host) == 0)
		return 1;
	for (p = list ? list : ""; *p != '\0'; p = e) {
		while (*p == ',' || *p == ' ')
			p++;
		for (e = p; *e != '\0' && *e != ',' && *e != ' '; e++)
			;
		n = (size_t)(e - p);
		if (n > 0 && n == ol && strncasecmp(p, origin, n) == 0)
			return 1;
	}
	return 0;
}
