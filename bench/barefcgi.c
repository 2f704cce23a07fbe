/*
 * bench/barefcgi.c: the limit beside "GET one deployment": a bare libfcgi
 * responder that answers every request with one PQexecParams of the same
 * SQL the real responder runs (SQL_DEP_BY_NAME, the last path segment as
 * the name) and a tiny JSON body. P processes of T threads, each thread
 * with its own PGconn, like octopod-fcgi (RESPONDERS x THREADS).
 *
 *	barefcgi SOCKET PROCESSES THREADS	(DATABASE_URL: the database)
 *
 * SIGTERM stops the children and exits.
 */
#include <sys/stat.h>
#include <sys/wait.h>

#include <err.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <fcgiapp.h>
#include <libpq-fe.h>

#include "../fcgi/queries.h"

static int	listenfd;

static void *
serve(void *arg)
{
	FCGX_Request	 fr;
	PGconn		*db;
	PGresult	*res;
	const char	*uri, *name, *p[1];

	(void)arg;
	db = PQconnectdb(getenv("DATABASE_URL") ? getenv("DATABASE_URL") : "");
	if (PQstatus(db) != CONNECTION_OK)
		errx(1, "could not connect: %s", PQerrorMessage(db));
	if (FCGX_InitRequest(&fr, listenfd, 0) != 0)
		errx(1, "could not initialise a request");
	while (FCGX_Accept_r(&fr) >= 0) {
		uri = FCGX_GetParam("DOCUMENT_URI", fr.envp);
		if (uri == NULL)
			uri = "";
		name = strrchr(uri, '/');
		p[0] = name != NULL ? name + 1 : uri;
		res = PQexecParams(db, SQL_DEP_BY_NAME, 1, NULL, p, NULL, NULL,
		    0);
		if (PQresultStatus(res) == PGRES_TUPLES_OK &&
		    PQntuples(res) == 1)
			FCGX_FPrintF(fr.out, "Status: 200 OK\r\n"
			    "Content-Type: application/json\r\n\r\n"
			    "{\"name\":\"%s\"}\n", PQgetvalue(res, 0, 0));
		else
			FCGX_FPrintF(fr.out, "Status: 404 Not Found\r\n"
			    "Content-Type: application/json\r\n\r\n{}\n");
		PQclear(res);
		FCGX_Finish_r(&fr);
	}
	PQfinish(db);
	return NULL;
}

int
main(int argc, char *argv[])
{
	pthread_t	*t;
	pid_t		*kids;
	sigset_t	 set;
	int		 np, nt, i, sig;

	if (argc != 4)
		errx(2, "usage: barefcgi SOCKET PROCESSES THREADS");
	np = atoi(argv[2]);
	nt = atoi(argv[3]);
	if (np < 1 || nt < 1)
		errx(2, "PROCESSES and THREADS must be positive");
	if (FCGX_Init() != 0)
		errx(1, "could not initialise libfcgi");
	unlink(argv[1]);
	if ((listenfd = FCGX_OpenSocket(argv[1], 1024)) < 0)
		errx(1, "could not listen on \"%s\"", argv[1]);
	if (chmod(argv[1], 0777) == -1)
		err(1, "chmod %s", argv[1]);
	sigemptyset(&set);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	sigprocmask(SIG_BLOCK, &set, NULL);
	if ((kids = calloc(np, sizeof(*kids))) == NULL ||
	    (t = calloc(nt, sizeof(*t))) == NULL)
		err(1, "calloc");
	for (i = 0; i < np; i++) {
		if ((kids[i] = fork()) == -1)
			err(1, "fork");
		if (kids[i] == 0) {
			signal(SIGTERM, SIG_DFL);
			signal(SIGINT, SIG_DFL);
			sigprocmask(SIG_UNBLOCK, &set, NULL);
			for (i = 0; i < nt; i++)
				if (pthread_create(&t[i], NULL, serve, NULL))
					errx(1, "pthread_create");
			for (i = 0; i < nt; i++)
				pthread_join(t[i], NULL);
			_exit(0);
		}
	}
	sigwait(&set, &sig);
	for (i = 0; i < np; i++)
		kill(kids[i], SIGTERM);
	for (i = 0; i < np; i++)
		waitpid(kids[i], NULL, 0);
	unlink(argv[1]);
	return 0;
}
