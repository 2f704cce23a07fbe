// t/helm/check.mjs: checks of helm/octopod, rendered by Helm's engine
// (render.mjs), every manifest validated against the Kubernetes API's
// schemas (validate.mjs), and of the Dockerfile (t/helm-chart.t runs it;
// prints TAP).
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import YAML from 'yaml';
import { spawnSync } from 'node:child_process';
import { render, RenderError, renderBin } from './render.mjs';
import { validate, validateEach } from './validate.mjs';

const top = path.resolve(path.dirname(new URL(import.meta.url).pathname), '../..');
const chart = path.join(top, 'helm/octopod');
let n = 0, failed = 0;
function ok(c, d, diag) {
	n++;
	if (!c) failed++;
	console.log(`${c ? 'ok' : 'not ok'} ${n} - ${d}`);
	if (!c && diag !== undefined) console.log(String(typeof diag === 'string' ? diag : JSON.stringify(diag)).replace(/^/gm, '# '));
}
const canon = (v) => JSON.stringify(v, (k, x) => (x && typeof x === 'object' && !Array.isArray(x) ? Object.fromEntries(Object.entries(x).sort(([p], [q]) => (p < q ? -1 : p > q))) : x));
const is = (got, want, d) => ok(canon(got) === canon(want), d, `got ${JSON.stringify(got)}\nwant ${JSON.stringify(want)}`);

const required = { tls: { secretName: 'octopod-tls' }, clientCA: { secretName: 'octopod-client-ca' }, cleanArchive: { clientCertSecret: 'octopod-octo' } };


// every document: YAML that parses, apiVersion, kind, metadata.name,
// read alike by node's yaml and Go's sigs.k8s.io/yaml
function parsed(values, opts = {}, dir = chart) {
	const r = render(dir, { values, ...opts });
	const objs = [];
	const docs = [];
	const errors = [];
	for (const d of r.docs) {
		const doc = YAML.parseDocument(d.text, { version: '1.1', prettyErrors: true });
		if (doc.errors.length) { errors.push(`${d.source}: ${doc.errors[0].message}`); continue; }
		// the object Kubernetes receives: the renderer's sigs.k8s.io/yaml
		// reading, which the YAML 1.1 reading here must agree with
		const o = d.object;
		if (canon(doc.toJS()) !== canon(o)) errors.push(`${d.source}: read differently by sigs.k8s.io/yaml: ${canon(o)}`);
		if (!o || !o.apiVersion || !o.kind || !o.metadata?.name) errors.push(`${d.source}: no apiVersion/kind/metadata.name`);
		else { objs.push(o); docs.push({ source: d.source, obj: o }); }
	}
	return { objs, docs, errors, notes: r.notes };
}
const find = (objs, kind, name) => objs.find((o) => o.kind === kind && (!name || o.metadata.name === name));

// 0. the renderer behaves as Helm's engine: expectations of Helm's own
// tests (pkg/engine/engine_test.go, funcs_test.go) on a small chart
function mini(templates, values = {}, files = {}) {
	const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'moby-'));
	fs.mkdirSync(path.join(dir, 'templates'));
	fs.writeFileSync(path.join(dir, 'Chart.yaml'), 'apiVersion: v2\nname: moby\nversion: 1.2.3\nappVersion: "4.5"\n');
	fs.writeFileSync(path.join(dir, 'values.yaml'), YAML.stringify(values));
	for (const [n, t] of Object.entries(templates)) fs.writeFileSync(path.join(dir, 'templates', n), t);
	for (const [n, t] of Object.entries(files)) { fs.mkdirSync(path.dirname(path.join(dir, n)), { recursive: true }); fs.writeFileSync(path.join(dir, n), t); }
	return dir;
}
function rendered(dir, opts = {}) {
	try {
		return Object.fromEntries(render(dir, { raw: true, ...opts }).docs.map((d) => [d.source.replace(/^moby\/templates\//, ''), d.text.replace(/\n$/, '')]));
	} catch (e) { return { error: e.message.replace(/^Error: /, '') }; } finally { fs.rmSync(dir, { recursive: true, force: true }); }
}
const cluster = [['v1', 'Namespace', 'default', ''], ['v1', 'Pod', 'pod1', 'default'], ['v1', 'Pod', 'pod2', 'ns1'], ['v1', 'Pod', 'pod3', 'ns1']]
	.map(([apiVersion, kind, name, namespace]) => ({ apiVersion, kind, metadata: namespace ? { name, namespace } : { name } }));
const got = rendered(mini({
	test1: '{{.Values.outer | title }} {{.Values.inner | title}}',
	test2: '{{.Values.global.callme | lower }}',
	test3: '{{.noValue}}',
	test4: '{{toJson .Values}}',
	test5: '{{getHostByName "helm.sh"}}',
	'_helpers.tpl': '{{- define "test" -}}parent value{{- end -}}',
	'test6.yaml': '{{ tpl "{{ include \\"test\\" . }}" . }}',
	test7: '{{ tpl "{{ .Template.Name }} {{ .Values.outer }}" . }}',
	'ns-single': '{{ (lookup "v1" "Namespace" "" "default").metadata.name }}',
	'ns-list': '{{ (lookup "v1" "Namespace" "" "").items | len }}',
	'ns-missing': '{{ (lookup "v1" "Namespace" "" "absent") }}',
	'pod-list': '{{ (lookup "v1" "Pod" "ns1" "").items | len }}',
	'pod-all': '{{ (lookup "v1" "Pod" "" "").items | len }}',
	yaml: '{{ toYaml .Values.list }}|{{ (fromYaml "a: [1, 2]").a }}|{{ (fromYaml "a: [").Error }}|{{ (fromJson "{\\"b\\": true}").b }}',
	meta: '{{ .Chart.Name }}-{{ .Chart.Version }}-{{ .Chart.AppVersion }} {{ .Release.Name }}/{{ .Release.Namespace }} {{ .Release.Service }} {{ .Release.IsInstall }} {{ .Capabilities.KubeVersion.Major }}.{{ .Capabilities.KubeVersion.Minor }} {{ .Capabilities.APIVersions.Has "batch/v1" }} {{ .Capabilities.APIVersions.Has "extensions/v1beta1" }}',
	files: '{{ .Files.Get "conf/a.txt" }}|{{ range $p, $_ := .Files.Glob "conf/*" }}{{ $p }} {{ end }}|{{ (.Files.Glob "conf/*").AsConfig | replace "\\n" " " }}',
}, { outer: 'DEFAULT', inner: 'DEFAULT', list: [{ b: 2, a: 1 }] }, { 'conf/a.txt': 'alpha', 'conf/b.txt': 'beta' }),
{ values: { outer: 'spouter', inner: 'inn', global: { callme: 'Ishmael' } }, lookup: cluster, name: 'r1', namespace: 'ns9', kubeVersion: 'v1.30.2' });
const sorted = (o) => Object.fromEntries(Object.entries(o).sort(([a], [b]) => (a < b ? -1 : a > b)));
is(sorted(got), sorted({
	'ns-list': '1', 'ns-missing': 'map[]', 'ns-single': 'default', 'pod-all': '3', 'pod-list': '2',
	files: 'alpha|conf/a.txt conf/b.txt |a.txt: alpha b.txt: beta',
	meta: 'moby-1.2.3-4.5 r1/ns9 Helm true 1.30 true false',
	test1: 'Spouter Inn', test2: 'ishmael', test3: '',
	test4: '{"global":{"callme":"Ishmael"},"inner":"inn","list":[{"a":1,"b":2}],"outer":"spouter"}',
	test5: '', 'test6.yaml': 'parent value', test7: 'moby/templates/test7 spouter',
	yaml: '- a: 1\n  b: 2|[1 2]|error converting YAML to JSON: yaml: line 1: did not find expected node content|true',
}), "Helm's engine semantics: values over defaults, missing keys empty, include/tpl, lookup, toYaml/fromYaml/fromJson, .Chart/.Release/.Capabilities/.Files");
// seen with helm v3.17.3's `helm template` on the same templates
is(sorted(rendered(mini({
	a: '{{ tpl "{{ define \\"in\\" }}I{{ end }}{{ include \\"in\\" . }}{{ tpl \\"{{ .Values.flt }}\\" . }}" . }}',
	b: '{{ range $p, $_ := .Files.Glob "conf/**" }}{{ $p }},{{ end }}|{{ range $p, $_ := .Files.Glob "conf/*" }}{{ $p }},{{ end }}|{{ (.Files.Glob "conf/*").AsConfig }}',
	c: '{{ printf "%s %s" .Capabilities.KubeVersion .Capabilities.KubeVersion.Version }}|{{ .Values.big }} {{ toYaml .Values.big }}|{{ .Values.tags | join "+" }}',
}, { flt: 1.5, big: 1000000, tags: ['x', 'y'] }, { 'conf/a.txt': 'alpha\n', 'conf/sub/b.txt': 'gamma', 'conf/c.bak': 'junk', '.helmignore': '# no backups\n*.bak\n' }), { kubeVersion: 'v1.31.0' })), {
	a: 'I1.5', b: 'conf/a.txt,conf/sub/b.txt,|conf/a.txt,|a.txt: |\n  alpha', c: '{v1.31.0 1 31} v1.31.0|1e+06 1000000|x+true',
}, "tpl's own defines, Files.Glob's * and **, .helmignore, printf of KubeVersion, float values, YAML 1.1's y: as Helm");
is(rendered(mini({ t: '{{ toJson (list .Values.l .Values.m .Values.e .Values.n .Values.s .Values.tags .Values.nested) }}' }, { tags: ['x', 'y'], nested: { a: true, b: [1] } }),
    { set: ['l={1,b,true},m.x[1]=2,e={}', 'n={1,2}', 's=a\\,b', 'tags[1]=z', 'nested.b=null,nested.q.r=1'] }).t,
    '[[1,"b",true],{"x":[null,2]},[""],[1,2],"a,b",[null,"z"],{"a":true,"q":{"r":1}}]', '--set lists, indexes, escaped commas and null as Helm reads them');
is(sorted(rendered(mini({
	a: '{{ toYamlPretty .Values.nested }}|{{ toToml .Values.nested }}|{{ fromToml "x = 1\\n[t]\\ny = \'z\'" | toJson }}|{{ fromToml "x = " | toJson }}|{{ mustToJson .Values.nested }}',
}, { nested: { b: [1, 'two', { c: null }], a: true } }))), {
	a: 'a: true\nb:\n  - 1\n  - two\n  - c: null|a = true\nb = [1.0, "two", {}]\n|{"t":{"y":"z"},"x":1}|{"Error":"toml: line 0 (last key \\"x\\"): unexpected EOF; expected value"}|{"a":true,"b":[1,"two",{"c":null}]}',
}, 'toYamlPretty, toToml, fromToml (its error under .Error), mustToJson as Helm');
is(rendered(mini({ t: '{{ tpl "{{ .Values.x.y }}" . }}' })).error,
    'template: moby/templates/t:1:3: executing "moby/templates/t" at <tpl "{{ .Values.x.y }}" .>: error calling tpl: error during tpl function execution for "{{ .Values.x.y }}": template: gotpl:1:10: executing "gotpl" at <.Values.x.y>: nil pointer evaluating interface {}.y',
    'tpl keeps missingkey=zero (a field of a missing value is an error, worded as Helm words it)');
is(rendered(mini({ undefined_function: '{{foo}}' })).error, 'parse error at (moby/templates/undefined_function:1): function "foo" not defined', "a parse error as Helm reports it");
is(rendered(mini({ e: '{{ env "HOME" }}' })).error, 'parse error at (moby/templates/e:1): function "env" not defined', 'env is not available to charts (Helm removes it)');
is(rendered(mini({ r: '{{required ":this: message: has many: colons:" .Values.foo}}' })).error, 'execution error at (moby/templates/r:1:2): :this: message: has many: colons:', 'required: the message as Helm reports it');
is(rendered(mini({ r: '{{ $someEmptyValue := "" }}\n{{ $myvar := "abc" }}\n{{- required (printf "%s: something is missing" $myvar) $someEmptyValue | repeat 0 }}' })).error,
    'execution error at (moby/templates/r:3:4): abc: something is missing', 'required of an empty string, at its line and column');
is(rendered(mini({ r: '{{required "foo is required\\nmore info after the break" .Values.foo}}' })).error,
    'execution error at (moby/templates/r:1:2): foo is required\nmore info after the break', 'required: a message of several lines');
is(rendered(mini({ failtpl: 'All your base are belong to us{{ fail "This is an error" }}' })).error, 'execution error at (moby/templates/failtpl:1:33): This is an error', 'fail');
is(rendered(mini({ s: '{{ .Values.nope }}' }), { strict: true }).error, 'template: moby/templates/s:1:10: executing "moby/templates/s" at <.Values.nope>: map has no entry for key "nope"', 'strict: missingkey=error');
is(rendered(mini({ s: '{{ .Values.a.b }} {{ .Values.n }} {{ .Values.c }} {{ .Values.keep }} {{ kindOf .Values.n }}' }, { a: { b: 'x', c: 'y' }, c: 'def', keep: 'k' }),
    { set: ['a.b=1,n=007', 'c=null'] }), { s: '1 007  k string' }, '--set: typed values, leading zeros kept as strings, null deletes a default');

// 1. every .Values reference exists in values.yaml
const values = YAML.parse(fs.readFileSync(path.join(chart, 'values.yaml'), 'utf8'), { version: '1.1' });
const missing = [];
let refs = 0;
for (const f of fs.readdirSync(path.join(chart, 'templates'))) {
	const src = fs.readFileSync(path.join(chart, 'templates', f), 'utf8');
	for (const m of src.matchAll(/\.Values((?:\.[A-Za-z0-9_]+)+)/g)) {
		refs++;
		let v = values;
		for (const k of m[1].slice(1).split('.')) {
			if (v === null || typeof v !== 'object' || !(k in v)) { missing.push(`${f}: .Values${m[1]}`); break; }
			v = v[k];
		}
	}
}
ok(refs > 30, `the templates use .Values (${refs} references)`);
is(missing, [], 'every .Values reference is defined in values.yaml');

// 2. required values are required
let err = null;
try { render(chart, { values: { ...required, tls: { secretName: '' } } }); } catch (e) { err = e; }
ok(err instanceof RenderError && /^Error: execution error at \(octopod\/templates\/deployment\.yaml:[0-9]+:[0-9]+\): tls\.secretName is required/.test(err.message),
    'rendering without tls.secretName fails with a clear message (Helm\'s, with the template line)', String(err));
err = null;
try { render(chart, { values: { ...required, cleanArchive: { enabled: true, clientCertSecret: '' } } }); } catch (e) { err = e; }
ok(err instanceof RenderError && /cronjob\.yaml.*clientCertSecret/.test(err.message), 'the CronJob requires its client certificate Secret', String(err));
err = null;
try { render(chart, { values: required, strict: true }); } catch (e) { err = e; }
is(err && err.message, null, 'renders under missingkey=error (helm lint --strict): no template reads an undefined value');
err = null;
try { render(chart, { set: ['tls.secretName=t,clientCA.secretName=c', 'cleanArchive.clientCertSecret=o', 'replicas=4'] }); } catch (e) { err = e; }
is(err && err.message, null, 'required values can come from --set');

// 3. the default install
const def = parsed(required);
is(def.errors, [], 'every rendered document parses as YAML with apiVersion, kind and name');
is(def.objs.map((o) => `${o.kind}/${o.metadata.name}`).sort(), [
	'ConfigMap/octopod-roles', 'CronJob/octopod-clean-archive', 'Deployment/octopod', 'Role/octopod-control',
	'RoleBinding/octopod-control', 'Secret/octopod-database', 'Secret/octopod-ui',
	'Service/octopod-postgresql', 'Service/octopod-power', 'Service/octopod-ui',
	'ServiceAccount/octopod', 'StatefulSet/octopod-postgresql',
], 'the default install makes the expected kinds and names');

const dep = find(def.objs, 'Deployment');
const pod = dep.spec.template.spec;
const main = pod.containers.find((c) => c.name === 'octopod');
is(dep.spec.replicas, 2, 'replicas from values');
is(pod.initContainers.map((c) => c.name), ['control-scripts', 'migrate'], 'init containers: control scripts, then migrations');
is(pod.initContainers[1].command, ['octopod-fcgi', '-m'], 'migrations run octopod-fcgi -m');
is([main.readinessProbe.httpGet.path, main.livenessProbe.httpGet.path], ['/api/v1/ping', '/api/v1/ping'], 'readiness and liveness on /api/v1/ping');
const hp = main.ports.find((p) => p.name === main.readinessProbe.httpGet.port);
ok(hp && hp.containerPort > 1024, 'probes on a named unprivileged port', main.ports);
ok(pod.securityContext.runAsNonRoot === true && pod.securityContext.runAsUser > 0, 'the pod runs as non-root');
ok(main.ports.every((p) => p.containerPort > 1024), 'every container port is unprivileged');
// what t/container.t runs the image with: a read-only root, no privilege
// escalation, no capabilities; only the chart's emptyDirs are writable
const locked = (c) => c.securityContext?.readOnlyRootFilesystem === true &&
    c.securityContext.allowPrivilegeEscalation === false &&
    JSON.stringify(c.securityContext.capabilities?.drop) === '["ALL"]';
ok(locked(main) && locked(pod.initContainers[1]), 'the server and migrate run with a read-only root and no capabilities', main.securityContext);
ok(['/var/lib/octopod', '/tmp'].every((d) => main.volumeMounts.some((m) => m.mountPath === d &&
    pod.volumes.find((v) => v.name === m.name)?.emptyDir !== undefined)), 'with emptyDirs at /var/lib/octopod and /tmp');
const mounts = Object.fromEntries(main.volumeMounts.map((m) => [m.name, m.mountPath]));
const ctl = pod.initContainers[0].volumeMounts[0];
ok(pod.volumes.find((v) => v.name === ctl.name)?.emptyDir !== undefined && mounts[ctl.name] === '/control',
    'control scripts copied into an emptyDir shared with the server at /control');
const env = Object.fromEntries(main.env.map((e) => [e.name, e]));
is(env.CONTROL_SCRIPTS_DIR.value, '/control', 'CONTROL_SCRIPTS_DIR points at the copied scripts');
is(env.DATABASE_URL.valueFrom.secretKeyRef, { name: 'octopod-database', key: 'DATABASE_URL' }, 'DATABASE_URL from the chart database Secret');

// roles: a ConfigMap of "name role" lines, mounted where the env says
const roles = find(def.objs, 'ConfigMap', 'octopod-roles');
is([roles.data['ui-roles'], roles.data['power-roles']], ['octopod admin\n', 'clean-archive admin\n'],
	'roles: the first UI user and the CronJob\'s certificate CN are admins');
const rmount = main.volumeMounts.find((m) => m.name === 'roles');
is([env.UI_ROLES_FILE.value, env.POWER_ROLES_FILE.value], [`${rmount.mountPath}/ui-roles`, `${rmount.mountPath}/power-roles`],
	'UI_ROLES_FILE and POWER_ROLES_FILE name the mounted ConfigMap');
is(dep.spec.template.spec.volumes.find((v) => v.name === 'roles').configMap.name, 'octopod-roles', 'mounted from the roles ConfigMap');
const many = find(parsed({ ...required, roles: { ui: { alice: 'viewer', bob: 'deployer', octopod: 'admin' } } }).objs, 'ConfigMap', 'octopod-roles');
is(many.data['ui-roles'], 'alice viewer\nbob deployer\noctopod admin\n', 'roles.ui entries, one line each, sorted');
err = null;
try { render(chart, { values: { ...required, roles: { power: { ci: 'root' } } } }); } catch (e) { err = e; }
ok(err instanceof RenderError && /roles\.power\.ci: root is not viewer, deployer or admin/.test(err.message), 'an unknown role stops the render', String(err));

// sign-in with OIDC (ui.auth=oidc): the issuer, client and role map in the
// server's env, the client secret mounted from its Secret as a file; the
// migrations get none of it
is([env.UI_AUTH.value, env.OIDC_ISSUER], ['basic', undefined], 'the default sign-in is basic auth, no OIDC settings');
const oidcValues = { ...required, ui: { auth: 'oidc', oidc: { issuer: 'https://login.example.com/realms/acme', clientSecretName: 'octopod-oidc',
	allowedDomains: 'example.com', roleMap: { 'octopod-admins': 'admin', 'qa': 'viewer' }, caSecretName: 'idp-ca' } } };
const od = parsed(oidcValues);
is(od.errors, [], 'ui.auth=oidc renders');
const opod = find(od.objs, 'Deployment').spec.template.spec;
const omain = opod.containers.find((c) => c.name === 'octopod');
const oenv = Object.fromEntries(omain.env.map((e) => [e.name, e.value]));
is([oenv.UI_AUTH, oenv.OIDC_ISSUER, oenv.OIDC_CLIENT_ID, oenv.OIDC_ALLOWED_DOMAINS, oenv.OIDC_ROLE_MAP, oenv.SESSION_TTL],
	['oidc', 'https://login.example.com/realms/acme', 'octopod', 'example.com', 'octopod-admins=admin,qa=viewer', '43200'],
	'oidc: issuer, client id, allowed domains, the role map and the session lifetime in the env');
const omounts = Object.fromEntries(omain.volumeMounts.map((m) => [m.name, m.mountPath]));
const osec = opod.volumes.find((v) => v.name === 'oidc');
ok(osec && osec.secret.secretName === 'octopod-oidc' && oenv.OIDC_CLIENT_SECRET_FILE === `${omounts.oidc}/${osec.secret.items[0].path}`,
	'the client secret is a file mounted from its Secret', { osec, file: oenv.OIDC_CLIENT_SECRET_FILE });
ok(oenv.OIDC_CA_FILE === `${omounts['oidc-ca']}/ca.crt`, 'the IdP\'s CA from caSecretName', oenv.OIDC_CA_FILE);
ok(!opod.initContainers[1].env.some((e) => e.name.startsWith('OIDC_') || e.name === 'UI_AUTH'), 'the migrations get no OIDC settings');
const oknown = [...fs.readFileSync(path.join(top, 'lib/settings.c'), 'utf8').matchAll(/\{ \.name = "([A-Z0-9_]+)", \.type = SET_/g)].map((m) => m[1]);
is(omain.env.map((e) => e.name).filter((x) => x.startsWith('OIDC_') || x === 'UI_AUTH' || x === 'SESSION_TTL')
	.filter((x) => !oknown.includes(x) && !oknown.includes(x.replace(/_FILE$/, ''))), [], 'every OIDC env name is a setting (or a secret\'s _FILE)');
for (const [what, v, re] of [
	['no client secret', { ...oidcValues, ui: { ...oidcValues.ui, oidc: { ...oidcValues.ui.oidc, clientSecretName: '' } } }, /ui\.oidc\.clientSecretName is required/],
	['no issuer', { ...oidcValues, ui: { ...oidcValues.ui, oidc: { ...oidcValues.ui.oidc, issuer: '' } } }, /ui\.oidc\.issuer is required/],
	['a bad role', { ...oidcValues, ui: { ...oidcValues.ui, oidc: { ...oidcValues.ui.oidc, roleMap: { qa: 'root' } } } }, /roleMap: group qa has role root/],
]) {
	err = null;
	try { render(chart, { values: v }); } catch (e) { err = e; }
	ok(err instanceof RenderError && re.test(err.message), `oidc: ${what} stops the render`, String(err));
}

// env names octopod-fcgi does not know would be ignored silently
const known = [...fs.readFileSync(path.join(top, 'lib/settings.c'), 'utf8').matchAll(/\{ \.name = "([A-Z0-9_]+)", \.type = SET_/g)].map((m) => m[1]);
ok(known.length > 20, `settings table read from lib/settings.c (${known.length})`);
const scriptEnv = Object.keys(values.controlScripts.env);
const unknown = main.env.map((e) => e.name).filter((x) => !known.includes(x) && !scriptEnv.includes(x));
is(unknown, [], 'every server env variable is a setting of lib/settings.c (or a control-script setting)');

// the entrypoint reads the mounted Secrets where the chart mounts them
const entry = fs.readFileSync(path.join(top, 'docker/entrypoint.sh'), 'utf8');
const edef = (v) => (new RegExp(`\\$\\{${v}:=([^}]+)\\}`).exec(entry) || [])[1];
is([mounts.tls, mounts['ui-users'], mounts.var], [edef('OCTOPOD_TLS_DIR'), edef('OCTOPOD_UI_DIR'), edef('OCTOPOD_VAR')],
    'the chart mounts TLS, UI users and the writable dir where the entrypoint looks');
const tlsv = pod.volumes.find((v) => v.name === 'tls').projected.sources.flatMap((s) => s.secret.items.map((i) => i.path)).sort();
is(tlsv, ['ca.crt', 'tls.crt', 'tls.key'], 'the TLS volume holds tls.crt, tls.key and the client CA');
is(pod.volumes.find((v) => v.name === 'ui-users').secret.items[0].path, 'credentials', 'UI users: generated credentials by default');

// services: the power door is TCP passthrough, never an Ingress
const power = find(def.objs, 'Service', 'octopod-power');
is([power.spec.type, power.spec.ports[0].protocol, power.spec.ports[0].targetPort], ['LoadBalancer', 'TCP', 'power'], 'power door: a LoadBalancer Service, TCP to nginx');
const ui = find(def.objs, 'Service', 'octopod-ui');
is(ui.spec.ports[0].targetPort, 'ui', 'the ui Service goes to the ui door');
for (const s of [ui, power])
	ok(Object.entries(s.spec.selector).every(([k, v]) => dep.spec.template.metadata.labels[k] === v), `${s.metadata.name} selects the server pods`);

// RBAC: a Role in the deployments' namespace, nothing cluster-wide, no *
ok(!def.objs.some((o) => /^Cluster/.test(o.kind)), 'no ClusterRole or ClusterRoleBinding');
const role = find(def.objs, 'Role');
is(role.metadata.namespace, 'staging', 'the Role is in deploymentsNamespace');
ok(!JSON.stringify(role.rules).includes('*'), 'no * in the Role rules', role.rules);
const rb = find(def.objs, 'RoleBinding');
is([rb.metadata.namespace, rb.subjects[0].name, rb.subjects[0].namespace, rb.roleRef.name], ['staging', pod.serviceAccountName, 'octopod', role.metadata.name],
    "the RoleBinding gives the Role to the pod's ServiceAccount");

// CronJob
const cj = find(def.objs, 'CronJob');
const cjc = cj.spec.jobTemplate.spec.template.spec.containers[0];
is(cjc.args, ['octo', 'clean-archive'], 'the CronJob runs octo clean-archive');
const cenv = Object.fromEntries(cjc.env.map((e) => [e.name, e.value]));
ok(['OCTOPOD_URL', 'TLS_CERT_PATH', 'TLS_KEY_PATH', 'TLS_CA_PATH'].every((k) => cenv[k]), 'with OCTOPOD_URL and TLS_* set', cenv);
ok(/^https:\/\/octopod-power\./.test(cenv.OCTOPOD_URL), 'through the power door', cenv.OCTOPOD_URL);
const cv = cj.spec.jobTemplate.spec.template.spec.volumes[0];
is([cv.secret.secretName, cjc.volumeMounts[0].mountPath], ['octopod-octo', path.dirname(cenv.TLS_KEY_PATH)], 'the client certificate comes from its Secret');
ok(locked(cjc) && cjc.volumeMounts.some((m) => m.mountPath === '/tmp'), 'the CronJob too, with /tmp for the key\'s private copy', cjc.securityContext);

// secrets: generated once, then kept (lookup)
const pw = (objs) => Buffer.from(find(objs, 'Secret', 'octopod-database').data.password, 'base64').toString();
const a = pw(def.objs), b = pw(parsed(required).objs);
ok(a.length >= 24 && a !== b, 'without a cluster each render generates a new database password');
const secret = (name, ns, data) => ({ apiVersion: 'v1', kind: 'Secret', metadata: { name, namespace: ns }, data });
const live = [secret('octopod-database', 'octopod', { password: Buffer.from('kept-pw').toString('base64') }),
	secret('octopod-ui', 'octopod', { 'password-octopod': Buffer.from('kept-ui').toString('base64') }),
	secret('octopod-database', 'elsewhere', { password: Buffer.from('other-pw').toString('base64') })];
const up = parsed(required, { lookup: live });
is(pw(up.objs), 'kept-pw', 'an upgrade keeps the live database password');
const url = Buffer.from(find(up.objs, 'Secret', 'octopod-database').data.DATABASE_URL, 'base64').toString();
ok(url.includes('password=kept-pw') && url.includes('host=octopod-postgresql '), 'DATABASE_URL is built from it and the StatefulSet Service', url);
const cred = Buffer.from(find(up.objs, 'Secret', 'octopod-ui').data.credentials, 'base64').toString();
is(cred, 'octopod:kept-ui\n', 'an upgrade keeps the UI password');

// 4. variants
const ext = parsed({ ...required, replicas: 5, database: { internal: false, external: { secretName: 'pg', secretKey: 'url' } },
	ui: { htpasswdSecret: 'users', ingress: { enabled: true, host: 'octopod.example.org' } }, cleanArchive: { enabled: false } });
is(ext.errors, [], 'variant: parses');
const kinds = ext.objs.map((o) => `${o.kind}/${o.metadata.name}`);
ok(!kinds.includes('StatefulSet/octopod-postgresql') && !kinds.includes('Secret/octopod-database'), 'external database: no StatefulSet, no database Secret', kinds);
ok(!kinds.includes('CronJob/octopod-clean-archive') && !kinds.includes('Secret/octopod-ui'), 'cleanArchive and generated UI users can be turned off', kinds);
const xdep = find(ext.objs, 'Deployment');
is(xdep.spec.replicas, 5, 'replicas: 5');
is(xdep.spec.template.spec.containers[0].env.find((e) => e.name === 'DATABASE_URL').valueFrom.secretKeyRef, { name: 'pg', key: 'url' }, 'DATABASE_URL from the external Secret');
is(xdep.spec.template.spec.volumes.find((v) => v.name === 'ui-users').secret, { defaultMode: 0o440, secretName: 'users', items: [{ key: 'htpasswd', path: 'htpasswd' }] }, 'htpasswd from the given Secret');
const ing = find(ext.objs, 'Ingress');
is([ing?.spec.rules[0].host, ing?.spec.rules[0].http.paths[0].backend.service.name], ['octopod.example.org', 'octopod-ui'], 'the Ingress serves the ui door only');
let extErr = null;
try { render(chart, { values: { ...required, database: { internal: false } } }); } catch (e) { extErr = e; }
ok(extErr instanceof RenderError && /database\.external\.secretName is required/.test(extErr.message), 'an external database needs its Secret', String(extErr));
ok(/octopod-power/.test(def.notes) && /port-forward/.test(def.notes), 'NOTES.txt tells how to reach both doors');

// 4b. every manifest of every variant against the Kubernetes API schemas:
// replicas 1 and 3, the chart's PostgreSQL and an external one, the
// CronJob on and off (and the two installs above)
const variants = [];
for (const replicas of [1, 3])
	for (const internal of [true, false])
		for (const cron of [true, false]) {
			const v = { ...required, replicas, cleanArchive: { ...required.cleanArchive, enabled: cron } };
			if (!internal) v.database = { internal: false, external: { secretName: 'pg', secretKey: 'url' } };
			const r = parsed(v);
			variants.push({ name: `replicas ${replicas}, ${internal ? 'chart' : 'external'} PostgreSQL, CronJob ${cron ? 'on' : 'off'}`, r, replicas, internal, cron });
		}
ok(variants.every((x) => !x.r.errors.length && find(x.r.objs, 'Deployment').spec.replicas === x.replicas &&
	!!find(x.r.objs, 'StatefulSet') === x.internal && !!find(x.r.objs, 'CronJob') === x.cron),
    `${variants.length} variants render with their replicas, PostgreSQL and CronJob`, variants.map((x) => [x.name, x.r.errors]));
const all = [...def.docs, ...ext.docs, ...variants.flatMap((x) => x.r.docs)];
const t0 = Date.now();
const verrs = [...new Set(await validate(all))];
is(verrs, [], `all ${all.length} manifests (${new Set(all.map((d) => d.obj.kind)).size} kinds) are valid Kubernetes API objects (${Date.now() - t0} ms)`);

// every field name is checked: each key of each manifest of the default
// install and the Ingress, renamed in turn, is refused, but for the keys
// of free-form maps (labels, selectors, resource names, Secret data)
const freeForm = (kind, p) => ['labels', 'annotations', 'matchLabels', 'nodeSelector', 'limits', 'requests', 'data', 'stringData'].includes(p.at(-2)) ||
	(kind === 'Service' && p.join('.').startsWith('spec.selector.'));
const renamed = [];
const keyPaths = (o, p, out) => {
	if (Array.isArray(o)) o.forEach((x, i) => keyPaths(x, [...p, i], out));
	else if (o && typeof o === 'object') for (const k of Object.keys(o)) { out.push([...p, k]); keyPaths(o[k], [...p, k], out); }
	return out;
};
for (const d of [...def.docs, ...ext.docs.filter((x) => x.obj.kind === 'Ingress')])
	for (const p of keyPaths(d.obj, [], [])) {
		const c = structuredClone(d.obj);
		let x = c;
		for (const k of p.slice(0, -1)) x = x[k];
		x[`${p.at(-1)}X`] = x[p.at(-1)];
		delete x[p.at(-1)];
		renamed.push({ source: d.source, obj: c, what: `${d.obj.kind} ${p.join('.')}`, free: freeForm(d.obj.kind, p) });
	}
const t1 = Date.now();
const each = await validateEach(renamed);
const wrong = renamed.filter((r, i) => !each[i].length !== r.free).map((r) => `${r.what}: ${r.free ? 'refused' : 'accepted'}`);
is(wrong, [], `each of ${renamed.filter((r) => !r.free).length} field names renamed is refused, the ${renamed.filter((r) => r.free).length} free-form map keys are not (${Date.now() - t1} ms)`);

// the validation has teeth: a misspelt field, a wrong type, a wrong kind
const bad = fs.mkdtempSync(path.join(os.tmpdir(), 'octopod-chart-'));
fs.cpSync(chart, bad, { recursive: true });
const dt = path.join(bad, 'templates/deployment.yaml');
const orig = fs.readFileSync(dt, 'utf8');
const mutate = async (from, to) => {
	fs.writeFileSync(dt, orig.replace(from, to));
	return (await validate(parsed(required, {}, bad).docs)).join('\n');
};
let e1 = await mutate('containerPort: 8443', 'containerPorts: 8443');
ok(/deployment\.yaml Deployment\/octopod: .*'"containerPorts"' does not exist in type 'IContainerPort'/.test(e1), 'a misspelt field (containerPorts) is refused', e1);
e1 = await mutate('replicas: {{ .Values.replicas }}', 'replicas: {{ .Values.replicas | quote }}');
ok(/spec\/replicas must be integer/.test(e1), 'a string where the API wants an integer (replicas: "2") is refused', e1);
e1 = await mutate('readinessProbe:', 'readinessprobe:');
ok(/'"readinessprobe"' does not exist/.test(e1), 'a field in the wrong case (readinessprobe) is refused', e1);
e1 = await mutate('kind: Deployment', 'kind: Deploymnet');
ok(/no Kubernetes API schema for apps\/v1 Deploymnet/.test(e1), 'an unknown kind is refused', e1);
fs.rmSync(bad, { recursive: true, force: true });

// 4c. with a real helm at hand (REAL_HELM=/path/to/helm), `helm template`
// and the renderer print the same bytes, generated passwords aside
const realHelm = process.env.REAL_HELM;
if (!realHelm) {
	ok(true, '# skip helm template comparison (no REAL_HELM)');
} else {
	const mask = (t) => t.replace(/^( {2}(password|DATABASE_URL|credentials|password-[a-z]+)): "[^"]*"/gm, '$1: MASKED');
	const hdir = fs.mkdtempSync(path.join(os.tmpdir(), 'helm-home-'));
	const henv = { ...process.env, HELM_CACHE_HOME: hdir, HELM_CONFIG_HOME: hdir, HELM_DATA_HOME: hdir };
	const diffs = [];
	for (const [i, v] of [required, { ...required, replicas: 3, database: { internal: false, external: { secretName: 'pg' } } }, { ...required, ui: { htpasswdSecret: 'u', ingress: { enabled: true, host: 'h.example' } } }].entries()) {
		const vf = path.join(hdir, `v${i}.json`);
		fs.writeFileSync(vf, JSON.stringify(v));
		const h = spawnSync(realHelm, ['template', 'octopod', chart, '-n', 'octopod', '-f', vf, '--kube-version', '1.31.0'], { encoding: 'utf8', env: henv });
		const o = spawnSync(renderBin, ['-name', 'octopod', '-namespace', 'octopod', '-f', vf, chart], { encoding: 'utf8' });
		if (h.status !== 0 || o.status !== 0 || mask(h.stdout) !== mask(o.stdout)) diffs.push({ values: v, helm: h.stderr || h.stdout.length, ours: o.stderr || o.stdout.length });
	}
	fs.rmSync(hdir, { recursive: true, force: true });
	is(diffs, [], `${realHelm} template and the renderer print the same manifests`);
}

// 5. the Dockerfile builds with the commands README documents
const readme = fs.readFileSync(path.join(top, 'README.md'), 'utf8');
const sec = /## Build and install\n([\s\S]*?)\n## /.exec(readme);
const block = sec && /```sh\n([\s\S]*?)```/.exec(sec[1]);
const documented = block ? block[1].split('\n').map((l) => l.replace(/#.*/, '').trim()).filter(Boolean) : [];
ok(documented.length >= 3, 'README documents the build commands', documented);
const dockerfile = fs.readFileSync(path.join(top, 'Dockerfile'), 'utf8').replace(/\\\n\s*/g, ' ');
const stages = dockerfile.split(/^FROM /m).slice(1);
ok(stages.length === 2 && /^debian:12\b/.test(stages[0]) && /^debian:12\b/.test(stages[1]), 'two stages, both on debian:12');
const runs = (s) => s.split('\n').filter((l) => /^RUN /.test(l)).map((l) => l.slice(4).trim());
is(runs(stages[0]), documented, "the build stage's RUN lines are README's build commands");
const last = stages[1];
for (const want of [/^COPY --from=build \/staging\/usr\/local\/ \/usr\/local\/$/m, /^COPY static\/ /m, /^COPY nginx\/ /m,
	/^COPY scripts\/stack\.sh /m, /^COPY docker\/entrypoint\.sh /m])
	ok(want.test(last), `the image has ${want.source.replace(/\\/g, '').replace(/^\^|\$$/g, '')}`);
ok(/^USER [1-9][0-9]*/m.test(last), 'the image runs as a non-root user');
ok(/^ENTRYPOINT \["\/usr\/local\/bin\/octopod-entrypoint"\]/m.test(last), 'its entrypoint is docker/entrypoint.sh');
const eports = /UI_PORT=(\d+) POWER_PORT=(\d+) HEALTH_PORT=(\d+)/.exec(last);
is(eports ? eports.slice(1).map(Number) : null, main.ports.map((p) => p.containerPort), "the image's ports are the pod's container ports");

console.log(`1..${n}`);
process.exit(failed ? 1 : 0);
