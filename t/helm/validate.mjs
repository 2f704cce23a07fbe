// t/helm/validate.mjs: rendered manifests checked against the Kubernetes
// API's own schemas, offline, by two maintained tools over the models that
// kubernetes-models generates from the Kubernetes OpenAPI document:
//  - its validate() (ajv over the JSON schemas): required fields, types,
//    enums, formats (int32, quantities);
//  - the TypeScript checker over its type declarations: every object
//    literal must match its API type exactly, so a field the API does not
//    have (a misspelt `containerPorts`) is refused at any depth, as the API
//    server's strict field validation refuses it.
//
//	validate(docs) -> [ "SOURCE KIND/NAME: message", ... ]  (empty: valid)
//	validateEach(docs) -> [ [messages of docs[0]], [of docs[1]], ... ]
// docs: [{source, obj}] with obj the parsed YAML of one manifest.
import path from 'node:path';
import ts from 'typescript';

const here = path.dirname(new URL(import.meta.url).pathname);

// kubernetes-models/<group>/<version>/<Kind>; the core group is plain v1
function modelPath(obj) {
	const av = String(obj.apiVersion || '');
	if (!/^[a-z0-9.]+(\/v[0-9a-z]+)?$/.test(av) || !/^[A-Z][A-Za-z0-9]*$/.test(String(obj.kind || '')))
		return null;
	return `kubernetes-models/${av}/${obj.kind}`;
}

// the ajv schemas, one model class a kind
async function schemaErrors(docs) {
	const out = docs.map(() => []);
	for (const [i, d] of docs.entries()) {
		const where = `${d.source} ${d.obj?.kind}/${d.obj?.metadata?.name}`;
		const mp = modelPath(d.obj || {});
		let mod;
		try { mod = mp && await import(mp); } catch { mod = null; }
		const Model = mod && mod[d.obj.kind];
		if (!Model) { out[i].push(`${where}: no Kubernetes API schema for ${d.obj?.apiVersion} ${d.obj?.kind}`); continue; }
		try { new Model(d.obj).validate(); } catch (e) { out[i].push(`${where}: ${e.message}`); }
	}
	return out;
}

// the TypeScript declarations: one typed constant a manifest, one program
function typeErrors(docs) {
	const lines = [], spans = [];
	docs.forEach((d, i) => {
		const mp = modelPath(d.obj || {});
		if (!mp) return;
		lines.push(`import type { I${d.obj.kind} as T${i} } from ${JSON.stringify(mp)};`);
	});
	docs.forEach((d, i) => {
		if (!modelPath(d.obj || {})) return;
		const body = JSON.stringify(d.obj, null, 1).split('\n');
		spans.push({ from: lines.length, to: lines.length + body.length, d, i });
		body[0] = `export const m${i}: T${i} = ${body[0]}`;
		body[body.length - 1] += ';';
		lines.push(...body);
	});
	const src = lines.join('\n');
	const file = path.join(here, '__manifests__.ts');
	const opts = { strict: true, noEmit: true, skipLibCheck: true, types: [], lib: ['lib.es2020.d.ts'],
		target: ts.ScriptTarget.ES2020, module: ts.ModuleKind.CommonJS, moduleResolution: ts.ModuleResolutionKind.Node10 };
	const host = ts.createCompilerHost(opts);
	const getSourceFile = host.getSourceFile, fileExists = host.fileExists, readFile = host.readFile;
	host.getSourceFile = (f, lang, ...r) => (f === file ? ts.createSourceFile(f, src, lang, true) : getSourceFile.call(host, f, lang, ...r));
	host.fileExists = (f) => f === file || fileExists.call(host, f);
	host.readFile = (f) => (f === file ? src : readFile.call(host, f));
	const prog = ts.createProgram([file], opts, host);
	const out = docs.map(() => []);
	const other = [];
	for (const dg of ts.getPreEmitDiagnostics(prog)) {
		const msg = ts.flattenDiagnosticMessageText(dg.messageText, '\n  ');
		if (!dg.file || dg.file.fileName !== file) { other.push(`typescript: ${msg}`); continue; }
		const { line } = dg.file.getLineAndCharacterOfPosition(dg.start);
		const s = spans.find((x) => line >= x.from && line < x.to);
		if (!s) { other.push(`imports: ${msg} (at: ${lines[line].trim()})`); continue; }
		out[s.i].push(`${s.d.source} ${s.d.obj.kind}/${s.d.obj.metadata?.name}: ${msg} (at: ${lines[line].trim()})`);
	}
	// an error outside every manifest (a model that did not load) fails all
	return other.length ? out.map((o) => [...other, ...o]) : out;
}

export async function validateEach(docs) {
	const a = await schemaErrors(docs), b = typeErrors(docs);
	return docs.map((_, i) => [...a[i], ...b[i]]);
}

export async function validate(docs) {
	return [...new Set((await validateEach(docs)).flat())];
}
