#!/usr/bin/env bash
# Every setting the code asks for by name is in lib/settings.c's table: an
# unknown name is a bug (setting_int/setting_str stop the program on one,
# as tmux's options_get does), and this finds it before any path that asks
# runs (t/unit/settings.c sees the stop itself). The names are read from the calls (setting_int("X"),
# setting_str("X")) and from the tables that hold names for such calls
# (.ours/.octopods in fcgi/spawn.c, .setting/.def_setting in fcgi/resp_roles.c).
. "$(dirname "$0")/lib/control.sh"
cd "$T_ROOT" || exit 1
table=$(perl -ne 'print "$1\n" if /^\s*\{ \.name = "([A-Z0-9_]+)", \.type = SET_/' lib/settings.c | sort -u)
used=$(perl -ne 'while (/setting_(?:int|str)\("([A-Z0-9_]+)"\)/g) { print "$1\n" }
    while (/\.(?:ours|octopods|setting|def_setting) = "([A-Z0-9_]+)"/g) { print "$1\n" }' \
    fcgi/*.c notifier/*.c lib/*.c | sort -u)
t_ok "the table has settings" test "$(printf '%s\n' "$table" | wc -l)" -gt 50
t_ok "the code asks for settings" test "$(printf '%s\n' "$used" | wc -l)" -gt 40
missing=$(comm -13 <(printf '%s\n' "$table") <(printf '%s\n' "$used"))
t_is "$missing" "" "every name the code asks for is in the table"
t_done
