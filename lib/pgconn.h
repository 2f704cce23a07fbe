/*
 * lib/pgconn.h: connecting to PostgreSQL the same way in octopod-fcgi
 * (responders, runner) and octopod-notifier (lib/pgconn.c).
 */
#ifndef PGCONN_H
#define PGCONN_H

#include <stddef.h>

#define PGC_NKW	4	/* the entries pgc_params fills, NULL included */

void		 pgc_params(const char *app, const char *kw[PGC_NKW],
		    const char *val[PGC_NKW]);
int		 pgc_timeout(void);
int		 pgc_hosts(void);
int		 pgc_host_params(int i, const char *app, const char ***kw,
		    const char ***val);
const char	*pgc_oneline(const char *msg, char *buf, size_t len);
void		 pgc_failed(const char *who, const char *msg);
void		 pgc_connected(const char *who);

#endif
