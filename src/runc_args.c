/* SPDX-License-Identifier: Apache-2.0 */
/* runc_args.c - read runc's command line the way runc's CLI (urfave/cli) does. */
#include "config.h"

#include <string.h>

#include "runc_args.h"

/* runc's global flags that take a value: the word after them is not the command. */
static const char *const global_with_value[] = { "log", "log-format", "root", "criu", "rootless", NULL };

static bool in_list(const char *name, size_t n, const char *const *list)
{
	for (; *list; list++)
		if (strlen(*list) == n && strncmp(*list, name, n) == 0)
			return true;
	return false;
}

/* "--name=value" / "-name value": sets *name, *name_len and *value (NULL: the next word). */
static void split_flag(const char *arg, const char **name, size_t *name_len, const char **value)
{
	const char *eq;

	arg += arg[1] == '-' ? 2 : 1;
	eq = strchr(arg, '=');
	*name = arg;
	*name_len = eq ? (size_t)(eq - arg) : strlen(arg);
	*value = eq ? eq + 1 : NULL;
}

bool runc_command_creates(const char *cmd)
{
	return cmd && (strcmp(cmd, "create") == 0 || strcmp(cmd, "run") == 0);
}

void runc_args_parse(int argc, char *const *argv, struct runc_call *out)
{
	int i = 0;

	memset(out, 0, sizeof(*out));
	for (; i < argc; i++) {
		const char *name, *value;
		size_t n;

		if (argv[i][0] != '-' || argv[i][1] == '\0')
			break;
		split_flag(argv[i], &name, &n, &value);
		if (!value && in_list(name, n, global_with_value)) {
			value = i + 1 < argc ? argv[i + 1] : NULL;
			i++;
		}
		if (n == 3 && strncmp(name, "log", 3) == 0)
			out->log_path = value;
		else if (n == 10 && strncmp(name, "log-format", 10) == 0)
			out->log_json = value && strcmp(value, "json") == 0;
	}
	if (i >= argc)
		return;
	out->command = argv[i++];
	if (!runc_command_creates(out->command))
		return;
	for (; i < argc; i++) {
		const char *name, *value;
		size_t n;

		if (strcmp(argv[i], "--") == 0)
			break;
		if (argv[i][0] != '-' || argv[i][1] == '\0')
			continue;
		split_flag(argv[i], &name, &n, &value);
		if ((n == 6 && strncmp(name, "bundle", 6) == 0) || (n == 1 && name[0] == 'b')) {
			if (!value && i + 1 < argc)
				value = argv[++i];
			out->bundle = value;
		}
	}
}
