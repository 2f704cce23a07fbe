/*
 * fcgi/db_migrate.c: apply sql/NNN_*.sql in order, each once, each in its
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

	if ((c = db_connect(NULL)) == NULL)
		goto out;
	if (db_cmd(c, STMT_MIGRATE_LOCK, 0, NULL, "lock the migrations") == -1 ||
	    db_cmd(c, STMT_MIGRATE_TABLE, 0, NULL, "create schema_migrations")
	    == -1)
		goto outc;
	for (i = 0; i < n; i++) {
		const char *p[1] = { names[i] };

		if ((res = db_run(c, STMT_MIGRATE_APPLIED, PGRES_TUPLES_OK, 1,
		    p, "read schema_migrations")) == NULL)
			goto outc;
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
		if (db_begin(c) == -1) {
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
			db_rollback(c);
			goto outc;
		}
		PQclear(res);
		if (db_cmd(c, STMT_MIGRATE_RECORD, 1, p, "record the migration")
		    == -1 || db_commit(c) == -1)
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
