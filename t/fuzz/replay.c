/*
 * t/fuzz/replay.c: a main() for the fuzz targets without libFuzzer: runs
 * LLVMFuzzerTestOneInput over every file of the directories given, so
 * `make test` replays each corpus in the normal and the sanitizer builds.
 * Prints one TAP-free summary line; exits non-zero when a directory is
 * empty or missing (a crash aborts on its own).
 */
#include <dirent.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

int
main(int argc, char *argv[])
{
	int		 i, n = 0;
	char		 path[4096];
	DIR		*d;
	struct dirent	*de;

	for (i = 1; i < argc; i++) {
		if ((d = opendir(argv[i])) == NULL) {
			fprintf(stderr, "cannot open %s\n", argv[i]);
			return 2;
		}
		while ((de = readdir(d)) != NULL) {
			FILE	*f;
			uint8_t	*buf;
			long	 len;

			if (de->d_name[0] == '.')
				continue;
			snprintf(path, sizeof(path), "%s/%s", argv[i], de->d_name);
			if ((f = fopen(path, "rb")) == NULL)
				continue;
			fseek(f, 0, SEEK_END);
			len = ftell(f);
			fseek(f, 0, SEEK_SET);
			buf = malloc(len > 0 ? len : 1);
			if (buf != NULL && fread(buf, 1, len, f) == (size_t)len) {
				LLVMFuzzerTestOneInput(buf, (size_t)len);
				n++;
			}
			free(buf);
			fclose(f);
		}
		closedir(d);
	}
	printf("replayed %d inputs\n", n);
	return n > 0 ? 0 : 1;
}
