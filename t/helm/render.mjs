// t/helm/render.mjs: a small renderer for the subset of Go templates and
// Sprig that helm/octopod uses, so that the chart can be checked on a
// machine without helm. Not a general implementation: an unknown function
// or construct throws, so the chart cannot silently leave the subset.
//
//	render(chartDir, {values, release, lookup}) ->
//	    {docs: [{file, text}], notes}
import fs from 'node:fs';
import path from 'node:path';
import crypto from 'node:crypto';
import YAML from 'yaml';

// ---- lexing a template into text and actions ----
function split(src, file) {
	const out = [];
	let i = 0;
	while (i < src.length) {
		const j = src.indexOf('{{', i);
		if (j < 0) { out.push({ t: 'text', v: src.slice(i) }); break; }
		out.push({ t: 'text', v: src.slice(i, j) });
		let k = j + 2, ltrim = false, rtrim = false;
		if (src[k] === '-' && /\s/.test(src[k + 1])) { ltrim = true; k++; }
		let end;
		const rest = src.slice(k).trimStart();
		if (rest.startsWith('/*')) {
			const c = src.indexOf('*/', k);
			end = src.indexOf('}}', c);
		} else {
			end = src.indexOf('}}', k);
			// a "}}" inside a string literal
			while (end > 0 && unbalancedQuote(src.slice(k, end)))
				end = src.indexOf('}}', end + 2);
		}
		if (end < 0) throw new Error(`${file}: unclosed action`);
		let body = src.slice(k, end);
		if (/\s-$/.test(body)) { rtrim = true; body = body.slice(0, -1); }
		out.push({ t: 'act', v: body.trim(), ltrim, rtrim });
		i = end + 2;
	}
	for (let n = 0; n < out.length; n++) {
		if (out[n].t !== 'act') continue;
		if (out[n].ltrim && n > 0 && out[n - 1].t === 'text') out[n - 1].v = out[n - 1].v.replace(/\s+$/, '');
		if (out[n].rtrim && n + 1 < out.length && out[n + 1].t === 'text') out[n + 1].v = out[n + 1].v.replace(/^\s+/, '');
	}
	return out.filter((x) => !(x.t === 'act' && x.v.startsWith('/*')));
}
function unbalancedQuote(s) {
	let q = null;
	for (let i = 0; i < s.length; i++) {
		if (q) { if (s[i] === '\\' && q === '"') i++; else if (s[i] === q) q = null; }
		else if (s[i] === '"' || s[i] === '`') q = s[i];
	}
	return q !== null;
}

// ---- expressions ----
function lex(s) {
	const toks = [];
	let i = 0;
	while (i < s.length) {
		const c = s[i];
		if (/\s/.test(c)) { i++; continue; }
		if (c === '(' || c === ')' || c === '|' || c === ',') { toks.push({ k: c }); i++; continue; }
		if (s.startsWith(':=', i)) { toks.push({ k: ':=' }); i += 2; continue; }
		if (c === '=') { toks.push({ k: '=' }); i++; continue; }
		if (c === '"') {
			let j = i + 1;
			while (s[j] !== '"') { if (s[j] === '\\') j++; j++; if (j > s.length) throw new Error('bad string: ' + s); }
			toks.push({ k: 'lit', v: JSON.parse(s.slice(i, j + 1)) }); i = j + 1; continue;
		}
		if (c === '`') { const j = s.indexOf('`', i + 1); toks.push({ k: 'lit', v: s.slice(i + 1, j) }); i = j + 1; continue; }
		let m;
		if ((m = /^-?[0-9]+(\.[0-9]+)?/.exec(s.slice(i)))) { toks.push({ k: 'lit', v: Number(m[0]) }); i += m[0].length; continue; }
		if ((m = /^\$[A-Za-z0-9_]*((\.[A-Za-z0-9_]+)*)/.exec(s.slice(i)))) {
			const name = m[0].split('.')[0];
			toks.push({ k: 'var', v: name, path: m[1] ? m[1].slice(1).split('.') : [] }); i += m[0].length; continue;
		}
		if ((m = /^\.([A-Za-z0-9_]+(\.[A-Za-z0-9_]+)*)?/.exec(s.slice(i)))) {
			toks.push({ k: 'field', path: m[1] ? m[1].split('.') : [] }); i += m[0].length; continue;
		}
		if ((m = /^[A-Za-z_][A-Za-z0-9_]*/.exec(s.slice(i)))) { toks.push({ k: 'id', v: m[0] }); i += m[0].length; continue; }
		throw new Error(`cannot lex "${s.slice(i)}"`);
	}
	return toks;
}

// pipeline := cmd ('|' cmd)* ; cmd := operand+ ; operand := lit|var|field|id|'(' pipeline ')'
function parsePipe(toks, pos = 0, stop = null) {
	const cmds = [];
	let cur = [];
	while (pos < toks.length) {
		const t = toks[pos];
		if (t.k === ')' && stop === ')') break;
		if (t.k === '|') { cmds.push(cur); cur = []; pos++; continue; }
		if (t.k === '(') {
			const r = parsePipe(toks, pos + 1, ')');
			cur.push({ k: 'pipe', v: r.pipe });
			pos = r.pos + 1;
			continue;
		}
		cur.push(t);
		pos++;
	}
	cmds.push(cur);
	return { pipe: cmds, pos };
}

function parseAction(s) {
	const toks = lex(s);
	// declarations: $a := …, $a, $b := …, $a = …
	let decl = null, assign = false;
	const ix = toks.findIndex((t) => t.k === ':=' || t.k === '=');
	if (ix > 0 && toks.slice(0, ix).every((t) => t.k === 'var' || t.k === ',')) {
		decl = toks.slice(0, ix).filter((t) => t.k === 'var').map((t) => t.v);
		assign = toks[ix].k === '=';
		return { decl, assign, pipe: parsePipe(toks.slice(ix + 1)).pipe };
	}
	return { decl, assign, pipe: parsePipe(toks).pipe };
}

// ---- the tree ----
function parse(items, file) {
	let pos = 0;
	const defines = {};
	function block(ends) {
		const nodes = [];
		while (pos < items.length) {
			const it = items[pos++];
			if (it.t === 'text') { nodes.push({ t: 'text', v: it.v }); continue; }
			const a = it.v;
			const word = a.split(/\s+/)[0];
			if (ends.includes(word)) return { nodes, end: a };
			if (word === 'if' || word === 'with') {
				const branches = [{ cond: parseAction(a.slice(word.length)), body: null }];
				let r = block(['else', 'end']);
				branches[0].body = r.nodes;
				let elseBody = null;
				while (r.end !== 'end') {
					const rest = r.end.slice(4).trim();
					if (rest.startsWith('if ')) {
						const b = { cond: parseAction(rest.slice(3)), body: null };
						r = block(['else', 'end']);
						b.body = r.nodes;
						branches.push(b);
					} else {
						r = block(['end']);
						elseBody = r.nodes;
					}
				}
				nodes.push({ t: word, branches, elseBody });
			} else if (word === 'range') {
				const cond = parseAction(a.slice(5));
				let r = block(['else', 'end']);
				const body = r.nodes;
				let elseBody = null;
				if (r.end !== 'end') { r = block(['end']); elseBody = r.nodes; }
				nodes.push({ t: 'range', cond, body, elseBody });
			} else if (word === 'define') {
				const name = JSON.parse(a.slice(6).trim());
				defines[name] = block(['end']).nodes;
			} else if (word === 'template') {
				const m = /^template\s+("[^"]*")\s*(.*)$/.exec(a);
				nodes.push({ t: 'template', name: JSON.parse(m[1]), arg: m[2] ? parseAction(m[2]) : null });
			} else if (word === 'end' || word === 'else') {
				throw new Error(`${file}: unexpected {{${a}}}`);
			} else {
				nodes.push({ t: 'act', a: parseAction(a) });
			}
		}
		if (ends.length) throw new Error(`${file}: missing {{end}}`);
		return { nodes };
	}
	return { nodes: block([]).nodes, defines };
}

// ---- evaluation ----
const isMap = (v) => v !== null && typeof v === 'object' && !Array.isArray(v);
function truth(v) {
	if (v === undefined || v === null || v === false || v === 0 || v === '') return false;
	if (Array.isArray(v)) return v.length > 0;
	if (isMap(v)) return Object.keys(v).length > 0;
	return true;
}
function str(v) {
	if (v === undefined || v === null) return '';
	if (typeof v === 'string') return v;
	if (typeof v === 'number' || typeof v === 'boolean') return String(v);
	if (Array.isArray(v)) return '[' + v.map(str).join(' ') + ']';
	return 'map[' + Object.keys(v).sort().map((k) => k + ':' + str(v[k])).join(' ') + ']';
}
function walk(v, p) {
	for (const k of p) {
		if (v === undefined || v === null) return undefined;
		v = isMap(v) ? v[k] : undefined;
	}
	return v;
}
function goQuote(s) { return JSON.stringify(s); }
function printf(fmt, ...args) {
	let i = 0;
	return fmt.replace(/%([-0-9.]*)([svdqx%])/g, (m, w, c) => {
		if (c === '%') return '%';
		const a = args[i++];
		if (c === 'q') return goQuote(str(a));
		if (c === 'd') return String(Math.trunc(Number(a)));
		return str(a);
	});
}

export function render(chartDir, opts = {}) {
	const chart = YAML.parse(fs.readFileSync(path.join(chartDir, 'Chart.yaml'), 'utf8'));
	const defaults = YAML.parse(fs.readFileSync(path.join(chartDir, 'values.yaml'), 'utf8'), { version: '1.1' }) || {};
	const values = merge(structuredClone(defaults), opts.values || {});
	const release = { Name: 'octopod', Namespace: 'octopod', Service: 'Helm', IsInstall: true, IsUpgrade: false, ...(opts.release || {}) };
	const root = {
		Values: values, Release: release,
		Chart: { Name: chart.name, Version: chart.version, AppVersion: chart.appVersion },
		Capabilities: { KubeVersion: { Version: 'v1.29.0' } },
	};
	const lookup = opts.lookup || (() => ({}));
	const tdir = path.join(chartDir, 'templates');
	const files = fs.readdirSync(tdir).sort();
	const defines = {};
	const trees = {};
	for (const f of files) {
		const t = parse(split(fs.readFileSync(path.join(tdir, f), 'utf8'), f), f);
		Object.assign(defines, t.defines);
		trees[f] = t.nodes;
	}

	const funcs = {
		include: (name, dot) => run(defines[name] ?? fail(`no template "${name}"`), dot, [{ $: root }]),
		required: (msg, v) => { if (v === undefined || v === null || v === '') throw new RequiredError(msg); return v; },
		default: (d, v) => (truth(v) ? v : d),
		quote: (...a) => a.map((x) => goQuote(str(x))).join(' '),
		squote: (...a) => a.map((x) => `'${str(x)}'`).join(' '),
		toYaml: (v) => (v === undefined || v === null ? 'null' : YAML.stringify(v, { version: '1.1' }).replace(/\n$/, '')),
		toString: (v) => str(v),
		int: (v) => Math.trunc(Number(v)),
		nindent: (n, s) => '\n' + indent(n, s),
		indent: (n, s) => indent(n, s),
		b64enc: (s) => Buffer.from(str(s)).toString('base64'),
		b64dec: (s) => Buffer.from(str(s), 'base64').toString(),
		printf,
		trunc: (n, s) => str(s).slice(0, n),
		trimSuffix: (suf, s) => (str(s).endsWith(suf) ? str(s).slice(0, -suf.length) : str(s)),
		contains: (sub, s) => str(s).includes(str(sub)),
		upper: (s) => str(s).toUpperCase(),
		lower: (s) => str(s).toLowerCase(),
		replace: (a, b, s) => str(s).split(a).join(b),
		lookup: (api, kind, ns, name) => lookup(api, kind, ns, name) ?? {},
		randAlphaNum: (n) => { const c = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789'; let s = ''; const b = crypto.randomBytes(n); for (let i = 0; i < n; i++) s += c[b[i] % c.length]; return s; },
		eq: (a, ...b) => b.some((x) => x === a),
		ne: (a, b) => a !== b,
		not: (v) => !truth(v),
		empty: (v) => !truth(v),
		hasKey: (m, k) => isMap(m) && Object.prototype.hasOwnProperty.call(m, k),
		index: (m, ...ks) => { for (const k of ks) m = m == null ? undefined : m[k]; return m; },
		get: (m, k) => (isMap(m) && k in m ? m[k] : ''),
		dict: (...kv) => { const d = {}; for (let i = 0; i < kv.length; i += 2) d[kv[i]] = kv[i + 1]; return d; },
		list: (...a) => a,
		set: (d, k, v) => { d[k] = v; return d; },
		append: (l, v) => [...(l || []), v],
		join: (sep, l) => (l || []).map(str).join(sep),
		ternary: (a, b, c) => (truth(c) ? a : b),
	};

	function fail(m) { throw new Error(m); }
	function indent(n, s) { const p = ' '.repeat(n); return str(s).split('\n').map((l) => p + l).join('\n'); }
	function getVar(scopes, name) {
		for (let i = scopes.length - 1; i >= 0; i--) if (name in scopes[i]) return scopes[i][name];
		throw new Error(`undefined variable ${name}`);
	}
	function setVar(scopes, name, v) {
		for (let i = scopes.length - 1; i >= 0; i--) if (name in scopes[i]) { scopes[i][name] = v; return; }
		throw new Error(`assignment to undeclared ${name}`);
	}
	function operand(t, dot, scopes) {
		if (t.k === 'lit') return t.v;
		if (t.k === 'field') return walk(dot, t.path);
		if (t.k === 'var') return walk(getVar(scopes, t.v), t.path);
		if (t.k === 'pipe') return evalPipe(t.v, dot, scopes);
		if (t.k === 'id') {
			if (t.v === 'true') return true;
			if (t.v === 'false') return false;
			if (t.v === 'nil') return null;
			return call(t.v, [], dot, scopes);
		}
		throw new Error('bad operand ' + JSON.stringify(t));
	}
	function call(name, argToks, dot, scopes, piped) {
		if (name === 'and' || name === 'or') {
			const vals = argToks.map((a) => () => operand(a, dot, scopes));
			if (piped !== undefined) vals.push(() => piped.v);
			let v;
			for (const f of vals) { v = f(); if (name === 'and' ? !truth(v) : truth(v)) return v; }
			return v;
		}
		const f = funcs[name];
		if (!f) throw new Error(`function "${name}" is not in the renderer's subset`);
		const args = argToks.map((a) => operand(a, dot, scopes));
		if (piped !== undefined) args.push(piped.v);
		return f(...args);
	}
	function evalPipe(pipe, dot, scopes) {
		let piped;
		for (const cmd of pipe) {
			let v;
			if (cmd[0].k === 'id' && !['true', 'false', 'nil'].includes(cmd[0].v))
				v = call(cmd[0].v, cmd.slice(1), dot, scopes, piped);
			else {
				if (cmd.length !== 1 || piped !== undefined) throw new Error('cannot pipe into a value');
				v = operand(cmd[0], dot, scopes);
			}
			piped = { v };
		}
		return piped.v;
	}
	function evalAction(a, dot, scopes) {
		const v = evalPipe(a.pipe, dot, scopes);
		if (a.decl) {
			if (a.assign) setVar(scopes, a.decl[0], v);
			else scopes[scopes.length - 1][a.decl[0]] = v;
			return { v, decl: true };
		}
		return { v };
	}
	function run(nodes, dot, scopes) {
		let out = '';
		for (const n of nodes) {
			if (n.t === 'text') out += n.v;
			else if (n.t === 'act') { const r = evalAction(n.a, dot, scopes); if (!r.decl) out += str(r.v); }
			else if (n.t === 'if' || n.t === 'with') {
				let done = false;
				for (const b of n.branches) {
					const inner = [...scopes, {}];
					const v = evalAction(b.cond, dot, inner).v;
					if (truth(v)) { out += run(b.body, n.t === 'with' ? v : dot, inner); done = true; break; }
				}
				if (!done && n.elseBody) out += run(n.elseBody, dot, [...scopes, {}]);
			} else if (n.t === 'range') {
				const v = evalPipe(n.cond.pipe, dot, scopes);
				const entries = Array.isArray(v) ? v.map((x, i) => [i, x]) : isMap(v) ? Object.keys(v).sort().map((k) => [k, v[k]]) : [];
				if (!entries.length && n.elseBody) out += run(n.elseBody, dot, [...scopes, {}]);
				for (const [k, x] of entries) {
					const sc = {};
					const d = n.cond.decl || [];
					if (d.length === 1) sc[d[0]] = x;
					if (d.length === 2) { sc[d[0]] = k; sc[d[1]] = x; }
					out += run(n.body, x, [...scopes, sc]);
				}
			} else if (n.t === 'template') {
				out += run(defines[n.name], n.arg ? evalAction(n.arg, dot, scopes).v : null, [{ $: root }]);
			}
		}
		return out;
	}

	const docs = [];
	let notes = null;
	for (const f of files) {
		if (f.startsWith('_')) continue;
		const text = run(trees[f], root, [{ $: root }]);
		if (f === 'NOTES.txt') { notes = text; continue; }
		for (const d of text.split(/^---\s*$/m))
			if (d.replace(/#.*$/gm, '').trim() !== '') docs.push({ file: f, text: d });
	}
	return { docs, notes };
}

export class RequiredError extends Error {}

function merge(a, b) {
	for (const k of Object.keys(b)) {
		if (isMap(a[k]) && isMap(b[k])) merge(a[k], b[k]);
		else a[k] = b[k];
	}
	return a;
}
