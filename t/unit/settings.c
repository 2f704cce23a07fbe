/*
 * t/unit/settings.c: asking for a setting the table does not have is a
 * bug, and it stops the program with one line naming it (tmux's
 * options.c: "missing option"), instead of a quiet 0 that would mean, for
 * a timeout, no timeout. t/settings-names.t checks the names in the code.
 */
#include <sys/wait.h>

#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "extern.h"

/* run f in a child, its stderr in buf; returns its wait status */
static int
in_child(void (*f)(void), char *buf, size_t len)
{
	int	 p[2], st;
	ssize_t	 n;
	pid_t	 pid;

	assert_int_equal(pipe(p), 0);
	if ((pid = fork()) == 0) {
		dup2(p[1], 2);
		close(p[0]);
		f();
		_exit(0);
	}
	close(p[1]);
	n = read(p[0], buf, len - 1);
	buf[n > 0 ? n : 0] = '\0';
	close(p[0]);
	assert_int_equal(waitpid(pid, &st, 0), pid);
	return st;
}

static void
ask_int(void)
{
	(void)setting_int("NO_SUCH_SETTING");
}

static void
ask_str(void)
{
	(void)setting_str("NO_SUCH_SETTING");
}

static void
test_unknown(void **state)
{
	char	 buf[512];
	int	 st;

	(void)state;
	st = in_child(ask_int, buf, sizeof(buf));
	assert_true(WIFSIGNALED(st) && WTERMSIG(st) == SIGABRT);
	assert_non_null(strstr(buf, "unknown setting \"NO_SUCH_SETTING\""));
	st = in_child(ask_str, buf, sizeof(buf));
	assert_true(WIFSIGNALED(st) && WTERMSIG(st) == SIGABRT);
}

static void
test_known(void **state)
{
	char	 err[256];

	(void)state;
	setenv("STATUS_CHECK_INTERVAL", "7", 1);
	assert_int_equal(settings_load(err, sizeof(err)), 0);
	assert_int_equal(setting_int("STATUS_CHECK_INTERVAL"), 7);
	assert_string_equal(setting_str("CONTROL_SCRIPT_ARGS"), "v1");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_known),
		cmocka_unit_test(test_unknown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
