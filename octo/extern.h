/*
 * octo/extern.h: the octo CLI's private header. main.c holds the command
 * table; each cmd-*.c one command (or a small group) with its entry;
 * http.c the requests (libcurl + jansson); parse.c the pure parsers;
 * output.c tables and JSON.
 */
#ifndef OCTO_EXTERN_H
#define OCTO_EXTERN_H

#include <stddef.h>
#include <stdio.h>

#include <jansson.h>

/* Exit codes (docs/octo.1). */
enum octo_exit {
	EXIT_OK = 0,		/* done */
	EXIT_REFUSED = 1,	/* the server refused, or the action failed */
	EXIT_USAGE = 2,		/* bad flags or missing configuration */
	EXIT_CONN = 3,		/* cannot reach or authenticate to the server */
	EXIT_TIMEOUT = 4,	/* wait ran out of time */
	EXIT__MAX
};

/* What every command shares: where and how to connect, output format. */
struct octo_cfg {
	const char	*url;		/* base URL, e.g. https://host:8444 */
	const char	*cert;		/* client certificate (PEM) */
	const char	*key;		/* its private key (PEM), 0600 */
	const char	*cacert;	/* CA for the server; NULL: system's */
	const char	*authorization;	/* Authorization's value, or NULL */
	long		 connect_timeout;	/* seconds */
	long		 request_timeout;	/* seconds, a whole request */
	int		 json;		/* -o json */
};
extern struct octo_cfg octo;

/* One subcommand (tmux's cmd_entry). */
struct cmd_entry {
	const char	*name;
	const char	*alias;		/* or NULL */
	const char	*usage;		/* the synopsis after "octo NAME" */
	const char	*summary;	/* one line for "octo help" */
	const char	*help;		/* option lines for "octo help NAME" */
	int		 needs_server;	/* 0: runs without a URL (version) */
	int		(*exec)(const struct cmd_entry *, int, char **);
};

extern const struct cmd_entry cmd_create_entry;
extern const struct cmd_entry cmd_update_entry;
extern const struct cmd_entry cmd_archive_entry;
extern const struct cmd_entry cmd_restore_entry;
extern const struct cmd_entry cmd_pin_entry;
extern const struct cmd_entry cmd_unpin_entry;
extern const struct cmd_entry cmd_cleanup_entry;
extern const struct cmd_entry cmd_forget_entry;
extern const struct cmd_entry cmd_list_entry;
extern const struct cmd_entry cmd_info_entry;
extern const struct cmd_entry cmd_logs_entry;
extern const struct cmd_entry cmd_wait_entry;
extern const struct cmd_entry cmd_clean_archive_entry;
extern const struct cmd_entry cmd_version_entry;

/*
 * Options every command accepts after its name, as long options only
 * (their short letters belong to the commands). OPT_COMMON values are
 * above any character so that they never clash with short options.
 */
enum {
	OPT_URL = 0x100, OPT_CERT, OPT_KEY, OPT_CACERT, OPT_CONNECT_TIMEOUT,
	OPT_OUTPUT, OPT_JSON
};
#define OCTO_COMMON_LONGOPTS						\
	{ "url", required_argument, NULL, OPT_URL },			\
	{ "cert", required_argument, NULL, OPT_CERT },			\
	{ "key", required_argument, NULL, OPT_KEY },			\
	{ "cacert", required_argument, NULL, OPT_CACERT },		\
	{ "connect-timeout", required_argument, NULL, OPT_CONNECT_TIMEOUT }, \
	{ "output", required_argument, NULL, OPT_OUTPUT },		\
	{ "json", no_argument, NULL, OPT_JSON }

/* main.c-independent helpers (cmd.c) */
int	 octo_common_opt(int ch, const char *arg);
int	 octo_set_output(const char *fmt);
int	 cmd_usage(const struct cmd_entry *);
void	 octo_warnx(const char *fmt, ...)
	    __attribute__((format(printf, 1, 2)));
void	 octo_warn_lines(const char *msg);
int	 octo_name_arg(const struct cmd_entry *, const char **name,
	    int argc, char **argv);
void	 octo_sleep_ms(long ms);
double	 octo_now(void);

/* http.c */
struct octo_resp {
	long		 status;	/* HTTP status; 0: no answer */
	json_t		*body;		/* the parsed answer, or NULL */
	char		 code[64];	/* error code, "" on success */
	char		 msg[8192];	/* why it failed: lines kept */
};
#define CALL_QUIET	0x01	/* do not print the error line */
int	 octo_http_init(void);
void	 octo_http_free(void);
int	 octo_call(const char *method, const char *path, json_t *body,
	    int flags, struct octo_resp *);
void	 octo_resp_free(struct octo_resp *);
char	*octo_escape(const char *);

/* parse.c: pure functions, unit-tested in t/unit/octo_parse.c */
int	 octo_parse_kv(const char *arg, char *key, size_t keylen,
	    const char **value);
int	 octo_parse_duration(const char *s, long *secs);
int	 octo_parse_error(long status, const char *body, size_t len,
	    char *code, size_t codelen, char *msg, size_t msglen);
int	 octo_exit_for(long status, const char *code);
int	 octo_override_add(json_t *list, const char *arg, int secret,
	    char *err, size_t errlen);
const char *octo_time(const char *iso, char *buf, size_t len);
int	 octo_parse_long(const char *s, long min, long max, long *out);
const char *octo_fmt_duration(long secs, char *buf, size_t len);

/* secret.c */
int	 octo_secret_add(json_t *list, const char *arg, int *stdin_used,
	    char *err, size_t errlen);

/* output.c */
struct octo_table;
struct octo_table *tbl_new(size_t ncols, ...);
void	 tbl_add(struct octo_table *, ...);
void	 tbl_print(const struct octo_table *, FILE *);
size_t	 tbl_rows(const struct octo_table *);
void	 tbl_free(struct octo_table *);
void	 out_json(json_t *);
void	 out_safe_init(void);
int	 out_unsafe_cp(long);
const char *jstr(json_t *obj, const char *key, const char *def);
const char *out_override(json_t *o, char *buf, size_t len);

#endif
