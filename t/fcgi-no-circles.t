#!/usr/bin/env bash
# No circle between fcgi/'s files: a file that calls (or names) what
# another file defines is not called back by it, directly or through
# others. The graph is read from the code: each .c file's non-static
# functions, and every identifier a file uses (comments and string
# literals skipped). And extern.h has its #includes at its top only.
. "$(dirname "$0")/lib/control.sh"
cd "$T_ROOT" || exit 1

# cycles DIR: each circle among DIR/*.c on a line, "a.c -> b.c -> a.c"
cycles() {
	perl -e '
	my (%def, %edge);
	my @files = sort glob("$ARGV[0]/*.c");
	my $slurp = sub { open(my $h, "<", $_[0]) or die; local $/; <$h> };
	for my $f (@files) {
		my $s = $slurp->($f);
		while ($s =~ /^([^\n]*)\n([a-z_][a-z0-9_]*)\(/mg) {
			$def{$2} = $f unless $1 =~ /\bstatic\b/;
		}
	}
	for my $f (@files) {
		my $s = $slurp->($f);
		$s =~ s{/\*.*?\*/}{}gs;
		$s =~ s{"(?:[^"\\\n]|\\.)*"}{""}g;
		my %seen;
		for my $w ($s =~ /\b([a-z_][a-z0-9_]*)\b/g) {
			next if $seen{$w}++;
			my $g = $def{$w};
			$edge{$f}{$g} = 1 if defined $g && $g ne $f;
		}
	}
	# each circle is found from its smallest file name
	my %out;
	for my $s0 (@files) {
		my @stack = ([$s0, [$s0]]);
		while (my $e = pop @stack) {
			my ($v, $p) = @$e;
			for my $w (sort keys %{$edge{$v} || {}}) {
				if ($w eq $s0) {
					$out{join(" -> ", map { s{.*/}{}r } @$p, $s0)} = 1;
				} elsif (!grep({ $_ eq $w } @$p) && $w gt $s0 && @$p < 8) {
					push @stack, [$w, [@$p, $w]];
				}
			}
		}
	}
	print map { "$_\n" } sort keys %out;
	' "$1"
}

t_is "$(cycles fcgi)" "" "no circle between fcgi/*.c"

# the check sees a circle where there is one (three files round)
mkdir -p "$T_TMP/fc"
printf 'int\nfc_a(void)\n{\n\treturn fc_b();\n}\n' >"$T_TMP/fc/a.c"
printf 'int\nfc_b(void)\n{\n\treturn fc_c();\n}\n' >"$T_TMP/fc/b.c"
printf 'static int\nfc_x(void)\n{\n\treturn 0;\n}\n\nint\nfc_c(void)\n{\n\treturn fc_a(); /* fc_x */\n}\n' >"$T_TMP/fc/c.c"
t_is "$(cycles "$T_TMP/fc")" "a.c -> b.c -> c.c -> a.c" "the check finds a circle of three"

t_is "$(awk '/^#include/ && seen { print FILENAME ":" FNR ": " $0 }
    !/^#include/ && /^[a-z]/ { seen = 1 }' fcgi/extern.h)" "" \
    "extern.h: no #include after its first declaration"
t_done
