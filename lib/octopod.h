/*
 * lib/octopod.h: what the three programs share: logging, settings,
 * validation of names, tags and overrides.
 */
#ifndef OCTOPOD_H
#define OCTOPOD_H

#include <stddef.h>
#include <stdint.h>

#define OCTOPOD_VERSION "0.1.0"

/* Limits of what a request may carry (docs/API.md says why). */
#define NAME_MAX_LEN	63
#define TAG_MAX_LEN	128
#define KEY_MAX_LEN	253
#define VALUE_MAX_LEN	4096
#define OVERRIDES_MAX	200
#define ACTOR_MAX_LEN	256
#define TTL_MAX		315360000	/* seconds: ten years */

/* log.c */
enum log_level { LVL_DEBUG, LVL_INFO, LVL_WARN, LVL_ERR, LVL__MAX };
void	log_init(const char *prog, int json);
void	log_msg(enum log_level, const char *fmt, ...)
	    __attribute__((format(printf, 2, 3)));
#define log_debug(...)	log_msg(LVL_DEBUG, __VA_ARGS__)
#define log_info(...)	log_msg(LVL_INFO, __VA_ARGS__)
#define log_warn(...)	log_msg(LVL_WARN, __VA_ARGS__)
#define log_err(...)	log_msg(LVL_ERR, __VA_ARGS__)

/* settings.c: every setting of design section 7, from the environment. */
enum setting_type { SET_STR, SET_INT, SET_ENUM };

struct setting {
	const char		*name;
	enum setting_type	 type;
	const char		*def;		/* default, as text; NULL: unset */
	long			 min, max;	/* SET_INT bounds */
	const char		*choices;	/* SET_ENUM: "a|b|c" */
	int			 secret;	/* never printed; *_FILE allowed */
	/* filled by settings_load() */
	const char		*str;		/* value or NULL */
	long			 num;
};

int		 settings_load(char *errbuf, size_t errlen);
const char	*setting_str(const char *name);
long		 setting_int(const char *name);
void		 settings_dump(void);

/* valid.c: the rules of docs/API.md; return NULL when good, else why. */
const char	*valid_name(const char *s, size_t len);
const char	*valid_tag(const char *s, size_t len);
const char	*valid_key(const char *s, size_t len);
const char	*valid_value(const char *s, size_t len);

/* utf8.c (the rest of it in utf8.h): 1 when well-formed, without NUL */
int		 utf8_valid(const char *s, size_t len);

/* proctitle.c: what ps and top show */
char		**proctitle_init(int argc, char **argv);
void		 proctitle_set(const char *comm, const char *fmt, ...)
		    __attribute__((format(printf, 2, 3)));

/* sbuf.c: a growing byte buffer, NUL-terminated */
struct sbuf {
	char	*p;
	size_t	 len, cap;
};
int		 sbuf_add(struct sbuf *, const void *, size_t);
int		 sbuf_addc(struct sbuf *, char);
void		 sbuf_free(struct sbuf *);
/* an answer read by libcurl: at most max bytes, else over */
struct sbuf_capped {
	struct sbuf	 buf;
	size_t		 max;
	int		 over;
};
size_t		 sbuf_curl(char *, size_t, size_t, void *);

/* util.c */
size_t		 strlcpy_(char *dst, const char *src, size_t dsize);
int		 sock_restrict(const char *path, char *errbuf, size_t errlen);
int		 origin_allowed(const char *origin, const char *host);
double		 mono_now(void);

#endif
