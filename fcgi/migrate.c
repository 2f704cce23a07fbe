/*
 * fcgi/migrate.c: apply sql/NNN_*.sql in order, each once, each in its
 * own transaction, recorded in schema_migrations. An advisory lock makes
 * it safe for several replicas to run it at the same time. The files are
 * trusted text shipped with the program, so they go through PQexec (a
 * migration holds several statements); no request data is involved.
 */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "extern.h"

#define MIGRATE_LOCK	"7242011"	/* pg_advisory_lock key */

static int
namecmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Read a whole file; returns a malloc'd NUL-terminated string or NULL. */
static char *
slurp(const char *path)
{
	FILE	*f;
	char	*buf = NULL;
	long	 len;

	if ((f = fopen(path, "r")) == NULL)
		return NULL;
	if (fseek(f, 0, SEEK_END) == 0 && (len = ftell(f)) >= 0 &&
	    fseek(f, 0, SEEK_SET) == 0 && (buf = malloc(len + 1)) != NULL) {
		if (fread(buf, 1, len, f) != (size_t)len) {
			free(buf);
			buf = NULL;
		} else
			buf[len] = '\0';
	}
	fclose(f);
	return buf;
}

static int
exec_ok(PGconn *c, const char *sql, int n, const char *const *p,
    ExecStatusType want)
{
	PGresult	*res = PQexecParams(c, sql, n, NULL, p, NULL, NULL, 0);
	int		 ok = PQresultStatus(res) == want;

	if (!ok)
		log_err("migration: %s", PQresultErrorMessage(res));
	PQclear(res);
	return ok;
}

/* Apply what is missing; returns 0, or -1 (logged). */
int
migrate(const char *dir)
{
	DIR		*d;
	struct dirent	*de;
	char		**names = NULL, path[4096], *sql;
	size_t		 n = 0, cap = 0, i;
	PGconn		*c;
	PGresult	*res;
	int		 rc = -1, applied = 0;

	if ((d = opendir(dir)) == NULL) {
		log_err("could not open migrations directory \"%s\": %s", dir,
		    strerror(errno));
		return -1;
	}
	while ((de = readdir(d)) != NULL) {
		size_t l = strlen(de->d_name);
		if (l < 5 || strcmp(de->d_name + l - 4, ".sql") != 0 ||
		    de->d_name[0] < '0' || de->d_name[0] > '9')
			continue;
		if (n == cap) {
			char **nn;
			cap = cap ? cap * 2 : 16;
			if ((nn = realloc(names, cap * sizeof(*nn))) == NULL)
				goto out;
			names = nn;
		}
		if ((names[n] = strdup(de->d_name)) == NULL)
			goto out;
		n++;
	}
	qsort(names, n, sizeof(*names), namecmp);

	if ((c = db_connect()) == NULL)
		goto out;
	if (!exec_ok(c, "SELECT pg_advisory_lock(" MIGRATE_LOCK ")", 0, NULL,
	    PGRES_TUPLES_OK) ||
	    !exec_ok(c, "CREATE TABLE IF NOT EXISTS schema_migrations ("
	    "version text PRIMARY KEY, applied_at timestamptz NOT NULL "
	    "DEFAULT now())", 0, NULL, PGRES_COMMAND_OK))
		goto outc;
	for (i = 0; i < n; i++) {
		const char *p[1] = { names[i] };

		res = PQexecParams(c, "SELECT 1 FROM schema_migrations "
		    "WHERE version = $1", 1, NULL, p, NULL, NULL, 0);
		if (PQresultStatus(res) != PGRES_TUPLES_OK) {
			log_err("migration: %s", PQresultErrorMessage(res));
			PQclear(res);
			goto outc;
		}
		if (PQntuples(res) == 1) {
			PQclear(res);
			continue;
		}
		PQclear(res);
		snprintf(path, sizeof(path), "%s/%s", dir, names[i]);
		if ((sql = slurp(path)) == NULL) {
			log_err("could not read \"%s\": %s", path,
			    strerror(errno));
			goto outc;
		}
		if (!exec_ok(c, "BEGIN", 0, NULL, PGRES_COMMAND_OK)) {
			free(sql);
			goto outc;
		}
		res = PQexec(c, sql);
		free(sql);
		if (PQresultStatus(res) != PGRES_COMMAND_OK &&
		    PQresultStatus(res) != PGRES_TUPLES_OK) {
			log_err("migration %s failed: %s", names[i],
			    PQresultErrorMessage(res));
			PQclear(res);
			exec_ok(c, "ROLLBACK", 0, NULL, PGRES_COMMAND_OK);
			goto outc;
		}
		PQclear(res);
		if (!exec_ok(c, "INSERT INTO schema_migrations (version) "
		    "VALUES ($1)", 1, p, PGRES_COMMAND_OK) ||
		    !exec_ok(c, "COMMIT", 0, NULL, PGRES_COMMAND_OK))
			goto outc;
		log_info("applied migration %s", names[i]);
		applied++;
	}
	log_info("migrations: %d applied, %zu in all", applied, n);
	rc = 0;
outc:
	PQfinish(c);
out:
	closedir(d);
	for (i = 0; i < n; i++)
		free(names[i]);
	free(names);
	return rc;
}
