#!/usr/bin/env bash
# fcgi/ has one home for its SQL and one database layer: no string
# literal of a .c file (or of extern.h) in fcgi/ holds SQL text (every
# statement is a named constant of fcgi/queries.h, run through db.c's
# statement table), each SQL_ name is defined once, every SQL_ constant
# has its row in db.c's stmts[] and its STMT_ number, and PQprepare is
# called in one place. Comments are skipped; HTTP methods are not SQL.
. "$(dirname "$0")/lib/control.sh"
cd "$T_ROOT" || exit 1

# the string literals of a C file, comments removed, one per line
literals() {
	perl -0777 -ne 's{/\*.*?\*/}{}gs; s{//[^\n]*}{}g;
	    while (/"((?:[^"\\\n]|\\.)*)"/g) { print "$ARGV: $1\n" }' "$@"
}
sql_re='\b(SELECT|INSERT[[:space:]]+INTO|UPDATE[[:space:]]+[a-z_]+[[:space:]]|DELETE[[:space:]]+FROM|WITH[[:space:]]+[a-z_]+[[:space:]]+AS|FROM[[:space:]]+[a-z_]+|WHERE|RETURNING|LISTEN|NOTIFY|CREATE[[:space:]]+TABLE|pg_notify|pg_advisory)\b|^(BEGIN|COMMIT|ROLLBACK)$'
found=$(literals fcgi/*.c fcgi/extern.h | grep -E "$sql_re")
t_is "$found" "" "no SQL text in a string literal of fcgi/*.c or fcgi/extern.h"

# and the check finds SQL where there is some (queries.h itself)
t_ok "the check sees the SQL of queries.h" test \
    "$(literals fcgi/queries.h | grep -cE "$sql_re")" -gt 60

dups=$(perl -ne 'print "$1\n" if /^#define (SQL_[A-Z0-9_]+)/' fcgi/queries.h |
    sort | uniq -d)
t_is "$dups" "" "each SQL_ name is defined once"

defined=$(perl -ne 'print "$1\n" if /^#define SQL_([A-Z0-9_]+)/' fcgi/queries.h | sort)
tabled=$(perl -0777 -ne 'while (/^\t\[STMT_(\w+)\] = \{ \.name = "\w+",\s+\.sql = SQL_\1\b/mg) { print "$1\n" }' fcgi/db.c | sort)
t_is "$(comm -3 <(printf '%s\n' "$defined") <(printf '%s\n' "$tabled"))" "" \
    "every SQL_ constant has its row in db.c's stmts[] and no row lacks one"

n=$(perl -0777 -ne 's{/\*.*?\*/}{}gs; $n += () = /\bPQprepare\s*\(/g;
    END { print $n + 0 }' fcgi/*.c lib/*.c)
t_is "$n" 1 "one PQprepare call site (fcgi/db.c stmt_ready)"
t_done
