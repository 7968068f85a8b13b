/* SPDX-License-Identifier: Apache-2.0 */
/*
 * test-log.c - how a line names its container: a runtime's generated id by its first 12
 * digits, any other id whole (a cut name may be another container's), a long one cut with a
 * mark, and nothing unprintable.
 */
#include "config.h"

#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "log.h"
#include "tap.h"

static char err_path[] = "/tmp/test-log.XXXXXX";

/* The line one warning writes to stderr with @id set, without the newline. */
static const char *line_for(const char *id)
{
	static char text[512];
	FILE *f;
	size_t n;

	log_set_container(id);
	if (!freopen(err_path, "w", stderr))
		return "(cannot redirect stderr)";
	log_msg(LOG_LVL_WARN, 0, "m");
	fflush(stderr);
	f = fopen(err_path, "r");
	if (!f)
		return "(cannot read stderr)";
	n = fread(text, 1, sizeof(text) - 1, f);
	fclose(f);
	text[n] = '\0';
	text[strcspn(text, "\n")] = '\0';
	return text;
}

static void is_line(const char *id, const char *want, const char *what)
{
	is_str(line_for(id), want, "%s", what);
}

int main(void)
{
	const char *hex = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";
	char long_name[201], upper[65], want[256];
	int fd = mkstemp(err_path);
	int saved = dup(STDERR_FILENO);

	if (fd < 0 || saved < 0) {
		printf("Bail out! no file for stderr\n");
		return 1;
	}
	close(fd);
	log_init(LOG_LVL_WARN, false, NULL);

	is_line(hex, "lxcfs-oci-hook: warn: container 0123456789ab: m", "a generated id: its first 12 digits");
	is_line("lxh-bench-lab", "lxcfs-oci-hook: warn: container lxh-bench-lab: m", "a chosen name: whole");
	is_line("0123456789abcdef", "lxcfs-oci-hook: warn: container 0123456789abcdef: m",
		"16 hex digits are a name, not a generated id: whole");

	for (int i = 0; i < 64; i++)
		upper[i] = (char)(hex[i] >= 'a' ? hex[i] - 'a' + 'A' : hex[i]);
	upper[64] = '\0';
	snprintf(want, sizeof(want), "lxcfs-oci-hook: warn: container %s: m", upper);
	is_line(upper, want, "64 digits with capitals are a name: whole");

	memset(long_name, 'n', 200);
	long_name[200] = '\0';
	snprintf(want, sizeof(want), "lxcfs-oci-hook: warn: container %.64s...: m", long_name);
	is_line(long_name, want, "a name over 64 characters: its first 64 and a mark");
	long_name[64] = '\0';
	snprintf(want, sizeof(want), "lxcfs-oci-hook: warn: container %s: m", long_name);
	is_line(long_name, want, "a name of exactly 64: whole, no mark");

	is_line("a b\n\x1b[31m", "lxcfs-oci-hook: warn: container a?b??[31m: m",
		"unprintable characters are shown as '?'");
	is_line(NULL, "lxcfs-oci-hook: warn: m", "no container: no name");
	is_line("", "lxcfs-oci-hook: warn: m", "an empty id: no name");

	fflush(stderr);
	dup2(saved, STDERR_FILENO);
	close(saved);
	unlink(err_path);
	done_testing();
}
