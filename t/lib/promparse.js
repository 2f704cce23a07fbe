#!/usr/bin/env node
// t/lib/promparse.js: a strict parser of the Prometheus text exposition
// format 0.0.4. Reads stdin; prints {"NAME": {"type", "help", "samples":
// [{"name", "labels": {...}, "value"}]}} as JSON, or exits 1 with the
// first violation: bad syntax, a sample before its TYPE, a second TYPE or
// HELP, a sample that does not belong to its family's type, a duplicate
// series, a histogram whose buckets are not cumulative or whose +Inf
// bucket differs from _count, a negative counter.
'use strict';
const fs = require('fs');
const text = fs.readFileSync(0, 'utf8');
const NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;
const LABEL = /^[a-zA-Z_][a-zA-Z0-9_]*$/;
const TYPES = ['counter', 'gauge', 'histogram', 'summary', 'untyped'];
const fams = {};
let lineno = 0;
function die(msg) {
	process.stderr.write(`line ${lineno}: ${msg}\n`);
	process.exit(1);
}
function parseValue(s) {
	if (s === '+Inf') return Infinity;
	if (s === '-Inf') return -Infinity;
	if (s === 'NaN') return NaN;
	if (!/^[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$/.test(s))
		die(`bad value "${s}"`);
	return Number(s);
}
function family(sample) {
	for (const f of Object.keys(fams)) {
		const t = fams[f].type;
		if (sample === f) return f;
		if ((t === 'histogram') && [f + '_bucket', f + '_sum', f + '_count'].includes(sample)) return f;
		if ((t === 'summary') && [f + '_sum', f + '_count'].includes(sample)) return f;
	}
	return null;
}
if (text.length > 0 && !text.endsWith('\n')) die('the text does not end with a line feed');
const lines = text.split('\n');
lines.pop();
const seen = new Set();
for (const line of lines) {
	lineno++;
	if (line === '') continue;
	if (line.startsWith('#')) {
		const m = /^# (HELP|TYPE) (\S+) ?(.*)$/.exec(line);
		if (!m) continue;	/* a plain comment */
		const [, kw, name, rest] = m;
		if (!NAME.test(name)) die(`bad metric name "${name}"`);
		const f = fams[name] || (fams[name] = { type: null, help: null, samples: [] });
		if (kw === 'TYPE') {
			if (f.type !== null) die(`second TYPE for ${name}`);
			if (f.samples.length) die(`TYPE after samples of ${name}`);
			if (!TYPES.includes(rest)) die(`bad type "${rest}"`);
			f.type = rest;
		} else {
			if (f.help !== null) die(`second HELP for ${name}`);
			if (/\\[^\\n]/.test(rest.replace(/\\\\/g, ''))) die('bad escape in HELP');
			f.help = rest;
		}
		continue;
	}
	// a sample: name [{labels}] value [timestamp]
	let i = 0;
	const nm = /^[a-zA-Z_:][a-zA-Z0-9_:]*/.exec(line);
	if (!nm) die('a sample must start with a metric name');
	const name = nm[0];
	i = name.length;
	const labels = {};
	if (line[i] === '{') {
		i++;
		while (line[i] !== '}') {
			const lm = /^[a-zA-Z_][a-zA-Z0-9_]*/.exec(line.slice(i));
			if (!lm) die('bad label name');
			const ln = lm[0];
			i += ln.length;
			if (line[i] !== '=' || line[i + 1] !== '"') die(`label ${ln} needs ="value"`);
			i += 2;
			let v = '';
			for (;;) {
				if (i >= line.length) die('unterminated label value');
				const c = line[i++];
				if (c === '"') break;
				if (c === '\\') {
					const e = line[i++];
					if (e === 'n') v += '\n';
					else if (e === '\\' || e === '"') v += e;
					else die(`bad escape \\${e}`);
				} else v += c;
			}
			if (Object.prototype.hasOwnProperty.call(labels, ln)) die(`label ${ln} twice`);
			if (ln.startsWith('__')) die(`reserved label ${ln}`);
			labels[ln] = v;
			if (line[i] === ',') i++;
			else if (line[i] !== '}') die('expected , or } after a label');
		}
		i++;
	}
	if (line[i] !== ' ') die('expected a space before the value');
	const parts = line.slice(i + 1).split(' ');
	if (parts.length < 1 || parts.length > 2 || parts[0] === '') die('expected a value and an optional timestamp');
	const value = parseValue(parts[0]);
	if (parts.length === 2 && !/^-?\d+$/.test(parts[1])) die('bad timestamp');
	const fname = family(name);
	if (fname === null || fams[fname].type === null) die(`sample ${name} before its TYPE`);
	const f = fams[fname];
	if (f.type === 'histogram' && name === fname) die(`histogram ${fname}: bare sample`);
	if (f.type === 'histogram' && name.endsWith('_bucket') && !('le' in labels)) die('a bucket needs le');
	if (f.type !== 'histogram' && 'le' in labels) die('le outside a histogram');
	if (f.type === 'counter' && !(value >= 0)) die(`counter ${name} is negative`);
	const key = name + JSON.stringify(Object.entries(labels).sort());
	if (seen.has(key)) die(`series ${key} twice`);
	seen.add(key);
	f.samples.push({ name, labels, value });
}
// histograms: per label set (without le) buckets cumulative, ascending le, +Inf = _count
for (const [fname, f] of Object.entries(fams)) {
	if (f.type === null) { lineno = 0; die(`${fname}: HELP without TYPE`); }
	if (f.type !== 'histogram') continue;
	const groups = {};
	for (const s of f.samples) {
		const rest = Object.entries(s.labels).filter(([k]) => k !== 'le').sort();
		const g = groups[JSON.stringify(rest)] || (groups[JSON.stringify(rest)] = { b: [], sum: null, count: null });
		if (s.name.endsWith('_bucket')) g.b.push([parseValue(s.labels.le), s.value]);
		else if (s.name.endsWith('_sum')) g.sum = s.value;
		else g.count = s.value;
	}
	for (const [k, g] of Object.entries(groups)) {
		lineno = 0;
		if (g.sum === null || g.count === null) die(`${fname}${k}: no _sum or _count`);
		if (!g.b.length || g.b[g.b.length - 1][0] !== Infinity) die(`${fname}${k}: the last bucket must be +Inf`);
		for (let j = 1; j < g.b.length; j++) {
			if (!(g.b[j][0] > g.b[j - 1][0])) die(`${fname}${k}: le not ascending`);
			if (g.b[j][1] < g.b[j - 1][1]) die(`${fname}${k}: buckets not cumulative`);
		}
		if (g.b[g.b.length - 1][1] !== g.count) die(`${fname}${k}: +Inf bucket differs from _count`);
	}
}
process.stdout.write(JSON.stringify(fams) + '\n');
