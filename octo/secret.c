/*
 * octo/secret.c: the value of a secret override, from the command line
 * (K=V), a file (K=@FILE) or stdin (K=-), so that CI can keep it off
 * argv, which every local user can read in /proc/PID/cmdline. A file
 * with group or other permission bits is refused, as libpq refuses a
 * loose .pgpass and octo its key file.
 */
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>

#include "octopod.h"
#include "extern.h"

/*
 * Read at most cap bytes of fd into buf (cap + 1 bytes). Returns the
 * length, -1 on a read error (errno), -2 when there is more than cap.
 */
static ssize_t
read_capped(int fd, char *buf, size_t cap)
{
	size_t	 len = 0;
	ssize_t	 n;

	for (;;) {
		n = read(fd, buf + len, cap + 1 - len);
		if (n == -1 && errno == EINTR)
			continue;
		if (n == -1)
			return -1;
		if (n == 0)
			break;
		len += n;
		if (len > cap)
			return -2;
	}
	buf[len] = '\0';
	return len;
}

/*
 * A line typed on the terminal fd, without echo, after a prompt on
 * stderr. Returns its length (newline dropped) or -1.
 */
static ssize_t
read_tty(int fd, const char *key, char *buf, size_t cap)
{
	struct termios	 old, quiet;
	ssize_t		 n;
	size_t		 len = 0;
	int		 echo_off;

	fprintf(stderr, "value of secret %s: ", key);
	fflush(stderr);
	echo_off = tcgetattr(fd, &old) == 0;
	if (echo_off) {
		quiet = old;
		quiet.c_lflag &= ~(ECHO | ECHONL);
		quiet.c_lflag |= ICANON;
		tcsetattr(fd, TCSANOW, &quiet);
	}
	for (;;) {
		n = read(fd, buf + len, 1);
		if (n == -1 && errno == EINTR)
			continue;
		if (n <= 0 || buf[len] == '\n')
			break;
		if (++len > cap)
			break;
	}
	if (echo_off)
		tcsetattr(fd, TCSAFLUSH, &old);
	fputc('\n', stderr);
	if (n == -1 || len > cap)
		return n == -1 ? -1 : -2;
	buf[len] = '\0';
	return len;
}

/*
 * Append the secret override {"key", "value", "secret": true} of arg
 * ("K=V", "K=@FILE" or "K=-") to list. *stdin_used says whether stdin
 * was read already (only once). Returns 0, or -1 with a message in err.
 * The value read is wiped from octo's buffer once copied into list.
 */
int
octo_secret_add(json_t *list, const char *arg, int *stdin_used, char *err,
    size_t errlen)
{
	char		 key[KEY_MAX_LEN + 2], buf[VALUE_MAX_LEN + 2];
	const char	*val, *path;
	struct stat	 st;
	ssize_t		 n;
	int		 fd = -1, rc = -1;

	if (octo_parse_kv(arg, key, sizeof(key), &val) == -1) {
		snprintf(err, errlen, "override \"%s\" is not KEY=VALUE, "
		    "KEY=@FILE or KEY=-", arg);
		return -1;
	}
	if (strcmp(val, "-") != 0 && val[0] != '@')
		return octo_override_add(list, arg, 1, err, errlen);
	if (strcmp(val, "-") == 0) {
		if ((*stdin_used)++) {
			snprintf(err, errlen, "only one secret can be read "
			    "from stdin (%s=-)", key);
			return -1;
		}
		path = "stdin";
		n = isatty(STDIN_FILENO) ?
		    read_tty(STDIN_FILENO, key, buf, VALUE_MAX_LEN) :
		    read_capped(STDIN_FILENO, buf, VALUE_MAX_LEN + 1);
	} else {
		path = val + 1;
		if ((fd = open(path, O_RDONLY | O_NOCTTY | O_CLOEXEC)) == -1 ||
		    fstat(fd, &st) == -1) {
			snprintf(err, errlen, "could not read secret file "
			    "\"%s\": %s", path, strerror(errno));
			goto out;
		}
		if ((st.st_mode & (S_IRWXG | S_IRWXO)) != 0) {
			snprintf(err, errlen, "secret file \"%s\" has group or "
			    "world access (mode %04o); permissions should be "
			    "u=rw (0600) or less", path,
			    (unsigned)(st.st_mode & 07777));
			goto out;
		}
		n = read_capped(fd, buf, VALUE_MAX_LEN + 1);
	}
	if (n == -1) {
		snprintf(err, errlen, "could not read the secret %s from %s: "
		    "%s", key, path, strerror(errno));
		goto out;
	}
	/* one final newline is the file's, not the value's */
	if (n > 0 && buf[n - 1] == '\n')
		buf[--n] = '\0';
	if (n > 0 && buf[n - 1] == '\r')
		buf[--n] = '\0';
	if (n == -2 || n > VALUE_MAX_LEN) {
		snprintf(err, errlen, "the secret %s from %s is longer than %d "
		    "bytes", key, path, VALUE_MAX_LEN);
		goto out;
	}
	if (memchr(buf, '\0', n) != NULL) {
		snprintf(err, errlen, "the secret %s from %s holds a NUL byte",
		    key, path);
		goto out;
	}
	if (json_array_append_new(list, json_pack("{s:s, s:s#, s:b}", "key",
	    key, "value", buf, (int)n, "secret", 1)) == -1) {
		snprintf(err, errlen, "the secret %s from %s is not UTF-8 text",
		    key, path);
		goto out;
	}
	rc = 0;
out:
	if (fd != -1)
		close(fd);
	explicit_bzero(buf, sizeof(buf));
	return rc;
}
