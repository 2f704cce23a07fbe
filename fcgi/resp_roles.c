/*
 * fcgi/resp_roles.c: who may do what (docs/API.md, "Roles"). A person's role
 * comes from a roles file: UI_ROLES_FILE for the basic-auth users of the
 * ui door, POWER_ROLES_FILE for the certificate CNs of the power door;
 * lines "name role" (viewer, deployer or admin), '#' starts a comment.
 * Names in neither file get UI_DEFAULT_ROLE or POWER_DEFAULT_ROLE. Each
 * file is cached per process and read again when its mtime, size or inode
 * changes, so that an edit takes effect on the next request.
 */
#include <sys/stat.h>

#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "extern.h"

static const char *const role_names[ROLE__MAX] = {
	[ROLE_VIEWER] = "viewer",
	[ROLE_DEPLOYER] = "deployer",
	[ROLE_ADMIN] = "admin",
};

struct role_entry {
	char		*name;
	enum role	 role;
};

/* One roles file as last read. */
struct role_file {
	const char		*setting;	/* UI_ROLES_FILE, … */
	const char		*def_setting;	/* UI_DEFAULT_ROLE, … */
	pthread_mutex_t		 mu;
	int			 loaded;
	int			 broken;	/* unreadable: everyone a viewer */
	struct timespec		 mtime;
	off_t			 size;
	ino_t			 ino;
	struct role_entry	*ents;
	size_t			 nents;
};

static struct role_file files[] = {
	[DOOR_UI] = { .setting = "UI_ROLES_FILE",
	    .def_setting = "UI_DEFAULT_ROLE", .mu = PTHREAD_MUTEX_INITIALIZER },
	[DOOR_POWER] = { .setting = "POWER_ROLES_FILE",
	    .def_setting = "POWER_DEFAULT_ROLE",
	    .mu = PTHREAD_MUTEX_INITIALIZER },
};

const char *
role_name(enum role r)
{
	return r > ROLE_NONE && r < ROLE__MAX ? role_names[r] : "nobody";
}

/* The role named s, or ROLE_NONE. */
static enum role
role_parse(const char *s)
{
	int i;

	for (i = ROLE_NONE + 1; i < ROLE__MAX; i++)
		if (strcmp(s, role_names[i]) == 0)
			return (enum role)i;
	return ROLE_NONE;
}

static void
file_clear(struct role_file *f)
{
	size_t i;

	for (i = 0; i < f->nents; i++)
		free(f->ents[i].name);
	free(f->ents);
	f->ents = NULL;
	f->nents = 0;
}

/*
 * Read f from path (f->mu held). A missing file is an empty one; an
 * unreadable one makes everyone a viewer (f->broken) until it is fixed; a
 * line with an unknown role makes that name a viewer. Everything odd is
 * logged.
 */
static void
file_read(struct role_file *f, const char *path, const struct stat *st)
{
	FILE		*fp;
	char		 line[512], name[ACTOR_MAX_LEN], word[32], extra[2];
	size_t		 cap = 0, lineno = 0;
	struct role_entry *e;
	enum role	 role;
	int		 n;

	file_clear(f);
	f->broken = 0;
	f->loaded = 1;
	if (st == NULL) {
		f->mtime.tv_sec = f->mtime.tv_nsec = 0;
		f->size = 0;
		f->ino = 0;
		return;
	}
	f->mtime = st->st_mtim;
	f->size = st->st_size;
	f->ino = st->st_ino;
	if ((fp = fopen(path, "r")) == NULL) {
		log_err("could not open %s \"%s\": %s; everyone is a viewer",
		    f->setting, path, strerror(errno));
		f->broken = 1;
		return;
	}
	while (fgets(line, sizeof(line), fp) != NULL) {
		lineno++;
		line[strcspn(line, "#\r\n")] = '\0';
		n = sscanf(line, "%255s %31s %1s", name, word, extra);
		if (n <= 0)
			continue;
		if (n != 2 || (role = role_parse(word)) == ROLE_NONE) {
			log_err("%s \"%s\" line %zu: expected \"name role\" "
			    "with a role of viewer, deployer or admin; %s is "
			    "a viewer", f->setting, path, lineno, name);
			role = ROLE_VIEWER;
		}
		if (f->nents == cap) {
			cap = cap ? cap * 2 : 16;
			e = realloc(f->ents, cap * sizeof(*e));
			if (e == NULL)
				goto nomem;
			f->ents = e;
		}
		if ((f->ents[f->nents].name = strdup(name)) == NULL)
			goto nomem;
		f->ents[f->nents++].role = role;
	}
	if (ferror(fp)) {
		log_err("could not read %s \"%s\"; everyone is a viewer",
		    f->setting, path);
		f->broken = 1;
	}
	fclose(fp);
	return;
nomem:
	fclose(fp);
	log_err("out of memory reading %s; everyone is a viewer", f->setting);
	f->broken = 1;
}

/*
 * The role of name in the file of door: read again when the file changed.
 * Returns the role (the default when the name is not in the file).
 */
static enum role
file_lookup(enum door door, const char *name)
{
	struct role_file *f = &files[door];
	const char	*path = setting_str(f->setting);
	struct stat	 st, *stp = &st;
	enum role	 role;
	size_t		 i;

	role = role_parse(setting_str(f->def_setting));
	if (path == NULL || *path == '\0')
		return role;
	if (stat(path, &st) == -1) {
		if (errno != ENOENT) {
			log_err("could not stat %s \"%s\": %s; everyone is "
			    "a viewer", f->setting, path, strerror(errno));
			return ROLE_VIEWER;
		}
		stp = NULL;
	}
	pthread_mutex_lock(&f->mu);
	if (!f->loaded || (stp == NULL) != (f->ino == 0) || (stp != NULL &&
	    (st.st_mtim.tv_sec != f->mtime.tv_sec ||
	    st.st_mtim.tv_nsec != f->mtime.tv_nsec ||
	    st.st_size != f->size || st.st_ino != f->ino)))
		file_read(f, path, stp);
	if (f->broken)
		role = ROLE_VIEWER;
	else
		for (i = 0; i < f->nents; i++)
			if (strcmp(f->ents[i].name, name) == 0) {
				role = f->ents[i].role;
				break;
			}
	pthread_mutex_unlock(&f->mu);
	return role;
}

/* The role of the person behind r (its door and actor). */
enum role
role_of(struct req *r)
{
	const char *p;

	if (r->door != DOOR_UI && r->door != DOOR_POWER)
		return ROLE_NONE;
	/* UI_AUTH=oidc: the session's role (nginx's auth_request) */
	if (r->door == DOOR_UI && oidc_enabled()) {
		p = http_header(r, "OCTOPOD_ROLE");
		return p != NULL ? role_parse(p) : ROLE_NONE;
	}
	return file_lookup(r->door, r->actor);
}

/* Whether role may do what needs the role need. */
int
role_allows(enum role role, enum role need)
{
	return role != ROLE_NONE && role >= need;
}

/*
 * Set r->role and check it against need, the role that what (an action's
 * name: "create", "cleanup", …) needs. Returns 0 when allowed, or -1 after
 * answering 403 forbidden.
 */
int
role_check(struct req *r, enum role need, const char *what)
{
	const char *have;

	r->role = role_of(r);
	if (role_allows(r->role, need))
		return 0;
	have = role_name(r->role);
	resp_error_new(r, 403, "forbidden", json_pack("{s:s, s:s, s:s}",
	    "needed", role_name(need), "role", have, "user", r->actor),
	    "%s needs the %s role; %s is %s %s", what, role_name(need),
	    r->actor, have[0] == 'a' ? "an" : "a", have);
	return -1;
}
