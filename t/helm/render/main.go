// t/helm/render: `helm template` for one chart, on Helm's own engine (Go's
// text/template with Sprig) and the functions Helm adds on top of it, so
// that the suite renders helm/octopod exactly as Helm would, on a machine
// without helm.  Written after Helm 3's pkg/engine (funcs.go, engine.go,
// files.go) and pkg/chartutil (coalesce.go, capabilities.go) and
// pkg/strvals; not a copy of them.
//
//	render [-f VALUES.yaml]... [--set K=V]... [--set-string K=V]...
//	    [-name RELEASE] [-namespace NS] [-upgrade] [-kube-version V]
//	    [-api-versions G/V[,...]] [-lookup OBJECTS.yaml] [-strict] [-notes]
//	    [-raw] [-json] CHART_DIR
//
// Prints the manifests as `helm template` does ("---", "# Source: ...");
// -notes adds the rendered NOTES.txt as a last "# Source:" section; -raw
// prints every template's output unsplit, as the engine returns it; -json
// prints them as JSON, each with its object as the API server gets it.
// lookup returns an empty map, as in `helm template`, unless -lookup names
// a YAML stream of objects that stands for the live cluster.  Exits 1 with
// Helm's "Error: ..." message when a template fails (required, fail,
// missingkey=error under -strict, a document that is not YAML).  Held to
// helm v3.17.3's output by t/helm/check.mjs.  Not done: subcharts
// (charts/), values.schema.json, hooks, --show-only.
package main

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"os"
	"path"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"text/template"

	"github.com/BurntSushi/toml"
	"github.com/Masterminds/sprig"
	yaml3 "gopkg.in/yaml.v3"
	"sigs.k8s.io/yaml"
)

// ---- the chart ----

// chartMeta is .Chart: Chart.yaml under Helm's field names.
type chartMeta struct {
	APIVersion   string            `json:"apiVersion"`
	Name         string            `json:"name"`
	Version      string            `json:"version"`
	AppVersion   string            `json:"appVersion"`
	KubeVersion  string            `json:"kubeVersion"`
	Description  string            `json:"description"`
	Type         string            `json:"type"`
	Home         string            `json:"home"`
	Icon         string            `json:"icon"`
	Keywords     []string          `json:"keywords"`
	Sources      []string          `json:"sources"`
	Annotations  map[string]string `json:"annotations"`
	Deprecated   bool              `json:"deprecated"`
	Condition    string            `json:"condition"`
	Tags         string            `json:"tags"`
	Maintainers  []interface{}     `json:"maintainers"`
	Dependencies []interface{}     `json:"dependencies"`
}

// files is .Files: the chart's files outside templates/ (Helm's
// engine.files).
type files map[string][]byte

func (f files) GetBytes(name string) []byte { return f[name] }
func (f files) Get(name string) string      { return string(f[name]) }

// Glob: the files whose path matches pattern, with Helm's glob syntax:
// "*" and "?" within a path element, "**" across them, [...] and {a,b}.
func (f files) Glob(pattern string) files {
	out := files{}
	re, err := globRegexp(pattern)
	if err != nil {
		return out
	}
	for name, data := range f {
		if re.MatchString(name) {
			out[name] = data
		}
	}
	return out
}

func globRegexp(pattern string) (*regexp.Regexp, error) {
	var b strings.Builder
	b.WriteString("^")
	for i := 0; i < len(pattern); i++ {
		switch c := pattern[i]; c {
		case '*':
			if i+1 < len(pattern) && pattern[i+1] == '*' {
				b.WriteString(".*")
				i++
			} else {
				b.WriteString("[^/]*")
			}
		case '?':
			b.WriteString("[^/]")
		case '{':
			b.WriteString("(?:")
		case '}':
			b.WriteString(")")
		case ',':
			b.WriteString("|")
		case '[':
			j := strings.IndexByte(pattern[i:], ']')
			if j < 0 {
				return nil, fmt.Errorf("bad glob %q", pattern)
			}
			class := pattern[i+1 : i+j]
			if strings.HasPrefix(class, "!") {
				class = "^" + class[1:]
			}
			b.WriteString("[" + class + "]")
			i += j
		default:
			b.WriteString(regexp.QuoteMeta(string(c)))
		}
	}
	b.WriteString("$")
	return regexp.Compile(b.String())
}

func (f files) Lines(name string) []string {
	s := string(f[name])
	if s == "" {
		return []string{}
	}
	return strings.Split(strings.TrimSuffix(s, "\n"), "\n")
}

// AsConfig: the files as a ConfigMap's data (base name: content).
func (f files) AsConfig() string {
	m := map[string]string{}
	for name, data := range f {
		m[path.Base(name)] = string(data)
	}
	return toYAML(m)
}

// AsSecrets: the files as a Secret's data (base name: base64 content).
func (f files) AsSecrets() string {
	m := map[string]string{}
	for name, data := range f {
		m[path.Base(name)] = base64.StdEncoding.EncodeToString(data)
	}
	return toYAML(m)
}

// ---- .Capabilities ----

type kubeVersion struct{ Version, Major, Minor string }

// pointer methods, as Helm's: printf of the value shows the struct
func (k *kubeVersion) String() string     { return k.Version }
func (k *kubeVersion) GitVersion() string { return k.Version }

type versionSet []string

// Has: is "group/version" or "group/version/Kind" served
func (v versionSet) Has(s string) bool {
	for _, x := range v {
		if x == s {
			return true
		}
	}
	return false
}

type capabilities struct {
	KubeVersion kubeVersion
	APIVersions versionSet
	HelmVersion map[string]string
}

// the API versions of a Kubernetes 1.31 cluster that charts ask about
var defaultAPIVersions = []string{
	"v1", "apps/v1", "batch/v1", "autoscaling/v1", "autoscaling/v2",
	"networking.k8s.io/v1", "policy/v1", "rbac.authorization.k8s.io/v1",
	"storage.k8s.io/v1", "apiextensions.k8s.io/v1", "coordination.k8s.io/v1",
	"discovery.k8s.io/v1", "scheduling.k8s.io/v1", "admissionregistration.k8s.io/v1",
}

// ---- the functions Helm adds to Sprig ----

// toYAML: sigs.k8s.io/yaml (JSON field rules, sorted keys), no final
// newline, "" on error (Helm swallows it inside a template).
func toYAML(v interface{}) string {
	b, err := yaml.Marshal(v)
	if err != nil {
		return ""
	}
	return strings.TrimSuffix(string(b), "\n")
}

// toYAMLPretty: yaml.v3, two-space indent, the map order of v
func toYAMLPretty(v interface{}) string {
	var b bytes.Buffer
	enc := yaml3.NewEncoder(&b)
	enc.SetIndent(2)
	if err := enc.Encode(v); err != nil {
		return ""
	}
	return strings.TrimSuffix(b.String(), "\n")
}

// toTOML: the encoder's error message on error, as Helm's (Debian's toml
// 1.2 refuses a top-level scalar that Helm's newer one encodes)
func toTOML(v interface{}) string {
	var b bytes.Buffer
	if err := toml.NewEncoder(&b).Encode(v); err != nil {
		return err.Error()
	}
	return b.String()
}

func fromTOML(s string) map[string]interface{} {
	m := map[string]interface{}{}
	if err := toml.Unmarshal([]byte(s), &m); err != nil {
		m["Error"] = err.Error()
	}
	return m
}

// fromYAML: a map, with the parse error under "Error" (Helm's tolerance).
func fromYAML(s string) map[string]interface{} {
	m := map[string]interface{}{}
	if err := yaml.Unmarshal([]byte(s), &m); err != nil {
		m["Error"] = err.Error()
	}
	return m
}

func fromYAMLArray(s string) []interface{} {
	a := []interface{}{}
	if err := yaml.Unmarshal([]byte(s), &a); err != nil {
		a = []interface{}{err.Error()}
	}
	return a
}

func toJSON(v interface{}) string {
	b, err := json.Marshal(v)
	if err != nil {
		return ""
	}
	return string(b)
}

func mustToJSON(v interface{}) string {
	b, err := json.Marshal(v)
	if err != nil {
		panic(err)
	}
	return string(b)
}

func fromJSON(s string) map[string]interface{} {
	m := map[string]interface{}{}
	if err := json.Unmarshal([]byte(s), &m); err != nil {
		m["Error"] = err.Error()
	}
	return m
}

func fromJSONArray(s string) []interface{} {
	a := []interface{}{}
	if err := json.Unmarshal([]byte(s), &a); err != nil {
		a = []interface{}{err.Error()}
	}
	return a
}

// Helm marks the message of required/fail so that its error cleanup can
// find it in text/template's error chain.
const warnStart, warnEnd = "HELM_ERR_START", "HELM_ERR_END"

var warnRe = regexp.MustCompile(`(?s)` + warnStart + `(.*)` + warnEnd)

// ---- the engine ----

type engine struct {
	strict  bool
	cluster []map[string]interface{} // what lookup finds
	tpl     *template.Template
	depth   map[string]int
}

// lookup apiVersion kind namespace name: the object, or {items: [...]}
// when name is "", or an empty map: what Helm's lookup returns.
func (e *engine) lookup(apiVersion, kind, namespace, name string) (map[string]interface{}, error) {
	var items []interface{}
	for _, o := range e.cluster {
		md, _ := o["metadata"].(map[string]interface{})
		if o["apiVersion"] != apiVersion || o["kind"] != kind {
			continue
		}
		if namespace != "" && md["namespace"] != namespace {
			continue
		}
		if name == "" {
			items = append(items, o)
		} else if md["name"] == name {
			return o, nil
		}
	}
	if name == "" && items != nil {
		return map[string]interface{}{"apiVersion": apiVersion, "kind": kind + "List", "items": items}, nil
	}
	return map[string]interface{}{}, nil
}

// include NAME DATA: the named template of set t, as a string (a
// recursion past 1000 levels is an error)
func (e *engine) include(t *template.Template) func(string, interface{}) (string, error) {
	return func(name string, data interface{}) (string, error) {
		if e.depth[name] > 1000 {
			return "", fmt.Errorf("rendering template has a nested reference name: %s", name)
		}
		e.depth[name]++
		defer func() { e.depth[name]-- }()
		var b strings.Builder
		err := t.ExecuteTemplate(&b, name, data)
		return b.String(), err
	}
}

// tpl TEXT DATA: TEXT rendered as a template in a copy of set t (every
// define of the chart in scope, and TEXT's own defines for include), under
// the set's name, with the engine's missingkey option (Clone drops it)
func (e *engine) tplFunc(t *template.Template) func(string, interface{}) (string, error) {
	return func(text string, data interface{}) (string, error) {
		nt, err := t.Clone()
		if err != nil {
			return "", err
		}
		nt.Option(e.missingKey())
		nt.Funcs(template.FuncMap{"include": e.include(nt), "tpl": e.tplFunc(nt)})
		if nt, err = nt.New(t.Name()).Parse(text); err != nil {
			return "", fmt.Errorf("error during tpl function execution for %q: %v", text, err)
		}
		var b strings.Builder
		if err = nt.Execute(&b, data); err != nil {
			return "", fmt.Errorf("error during tpl function execution for %q: %v", text, err)
		}
		return strings.ReplaceAll(b.String(), "<no value>", ""), nil
	}
}

func (e *engine) missingKey() string {
	if e.strict {
		return "missingkey=error"
	}
	return "missingkey=zero"
}

func (e *engine) funcs() template.FuncMap {
	f := sprig.TxtFuncMap()
	delete(f, "env") // Helm takes these two away from charts
	delete(f, "expandenv")
	// no DNS while rendering (helm template without --enable-dns)
	f["getHostByName"] = func(string) string { return "" }
	f["toYaml"] = toYAML
	f["toYamlPretty"] = toYAMLPretty
	f["toToml"] = toTOML
	f["fromToml"] = fromTOML
	f["mustToJson"] = mustToJSON
	f["fromYaml"] = fromYAML
	f["fromYamlArray"] = fromYAMLArray
	f["toJson"] = toJSON
	f["fromJson"] = fromJSON
	f["fromJsonArray"] = fromJSONArray
	f["lookup"] = e.lookup
	f["include"] = e.include(e.tpl)
	f["tpl"] = e.tplFunc(e.tpl)
	f["required"] = func(warn string, val interface{}) (interface{}, error) {
		if s, ok := val.(string); val == nil || (ok && s == "") {
			return val, errors.New(warnStart + warn + warnEnd)
		}
		return val, nil
	}
	f["fail"] = func(msg string) (string, error) {
		return "", errors.New(warnStart + msg + warnEnd)
	}
	return f
}

// execError: text/template's error as Helm prints it
func execError(err error) error {
	var ee template.ExecError
	if !errors.As(err, &ee) {
		return err
	}
	tok := strings.SplitN(err.Error(), ": ", 3)
	if len(tok) == 3 {
		if m := warnRe.FindStringSubmatch(tok[2]); m != nil {
			return fmt.Errorf("execution error at (%s): %s", tok[1], m[1])
		}
	}
	return err
}

// parseError: a parse error as Helm prints it
func parseError(name string, err error) error {
	tok := strings.Split(err.Error(), ": ")
	if len(tok) == 1 {
		return fmt.Errorf("parse error in (%s): %s", name, err)
	}
	return fmt.Errorf("parse error at (%s): %s", tok[1], tok[len(tok)-1])
}

// ---- values ----

// mergeMaps: b over a, tables merged key by key (how Helm layers -f files)
func mergeMaps(a, b map[string]interface{}) map[string]interface{} {
	out := make(map[string]interface{}, len(a))
	for k, v := range a {
		out[k] = v
	}
	for k, v := range b {
		if bv, ok := v.(map[string]interface{}); ok {
			if av, ok := out[k].(map[string]interface{}); ok {
				out[k] = mergeMaps(av, bv)
				continue
			}
		}
		out[k] = v
	}
	return out
}

// coalesce: the user's values over the chart's defaults; a null from the
// user deletes the default (Helm's chartutil.CoalesceTables)
func coalesce(user, def map[string]interface{}) map[string]interface{} {
	out := map[string]interface{}{}
	for k, v := range def {
		out[k] = v
	}
	for k, v := range user {
		if v == nil {
			delete(out, k)
			continue
		}
		um, uok := v.(map[string]interface{})
		dm, dok := out[k].(map[string]interface{})
		if uok && dok {
			out[k] = coalesce(um, dm)
		} else {
			if dok != uok && out[k] != nil {
				fmt.Fprintf(os.Stderr, "coalesce.go: warning: cannot overwrite table with non table for %s\n", k)
			}
			out[k] = v
		}
	}
	return out
}

// typed: a --set value as Helm's strvals types it
func typed(s string) interface{} {
	switch s {
	case "true":
		return true
	case "false":
		return false
	case "null":
		return nil
	case "0":
		return int64(0)
	}
	if len(s) > 0 && s[0] != '0' {
		if n, err := strconv.ParseInt(s, 10, 64); err == nil {
			return n
		}
	}
	return s
}

// splitSet: "a=1,b=x\,y,c={1,2}" -> ["a=1", "b=x,y", "c={1,2}"]
// (strvals' comma escape and lists)
func splitSet(s string) []string {
	var out []string
	var cur strings.Builder
	depth := 0
	for i := 0; i < len(s); i++ {
		switch {
		case s[i] == '\\' && i+1 < len(s) && s[i+1] == ',':
			cur.WriteByte(',')
			i++
		case s[i] == '{' || s[i] == '}':
			if s[i] == '{' {
				depth++
			} else if depth > 0 {
				depth--
			}
			cur.WriteByte(s[i])
		case s[i] == ',' && depth == 0:
			out = append(out, cur.String())
			cur.Reset()
		default:
			cur.WriteByte(s[i])
		}
	}
	return append(out, cur.String())
}

var indexRe = regexp.MustCompile(`^(.+)\[([0-9]+)\]$`)

// setValue: one --set a.b[0].c=v into m (dots escaped with "\.")
func setValue(m map[string]interface{}, assign string, asString bool) error {
	eq := strings.IndexByte(assign, '=')
	if eq <= 0 {
		return fmt.Errorf("key %q has no value", assign)
	}
	raw := assign[eq+1:]
	var val interface{} = raw
	switch {
	case len(raw) >= 2 && raw[0] == '{' && raw[len(raw)-1] == '}':
		// a list: {a,b,c} ({} is [""], as in Helm)
		l := []interface{}{}
		for _, x := range strings.Split(raw[1:len(raw)-1], ",") {
			if asString {
				l = append(l, x)
			} else {
				l = append(l, typed(x))
			}
		}
		val = l
	case !asString:
		val = typed(raw)
	}
	keys := strings.Split(strings.ReplaceAll(assign[:eq], `\.`, "\x00"), ".")
	cur := m
	for i, k := range keys {
		k = strings.ReplaceAll(k, "\x00", ".")
		last := i == len(keys)-1
		if im := indexRe.FindStringSubmatch(k); im != nil {
			n, _ := strconv.Atoi(im[2])
			l, _ := cur[im[1]].([]interface{})
			for len(l) <= n {
				l = append(l, nil)
			}
			cur[im[1]] = l
			if last {
				l[n] = val
				return nil
			}
			next, ok := l[n].(map[string]interface{})
			if !ok {
				next = map[string]interface{}{}
				l[n] = next
			}
			cur = next
			continue
		}
		if last {
			cur[k] = val
			return nil
		}
		next, ok := cur[k].(map[string]interface{})
		if !ok {
			next = map[string]interface{}{}
			cur[k] = next
		}
		cur = next
	}
	return nil
}

// ---- output ----

// Helm's install order (pkg/releaseutil/kind_sorter.go); unknown kinds last
var installOrder = strings.Fields(`Namespace NetworkPolicy ResourceQuota
LimitRange PodSecurityPolicy PodDisruptionBudget ServiceAccount Secret
SecretList ConfigMap StorageClass PersistentVolume PersistentVolumeClaim
CustomResourceDefinition ClusterRole ClusterRoleList ClusterRoleBinding
ClusterRoleBindingList Role RoleList RoleBinding RoleBindingList Service
DaemonSet Pod ReplicationController ReplicaSet Deployment
HorizontalPodAutoscaler StatefulSet Job CronJob IngressClass Ingress
APIService`)

type manifest struct {
	source, text, kind string
}

func kindRank(kind string) int {
	for i, k := range installOrder {
		if k == kind {
			return i
		}
	}
	return len(installOrder)
}

var sepRe = regexp.MustCompile(`(?:^|\s*\n)---\s*`)

// ignored: is rel (a file of the chart) excluded by .helmignore's rules
// (a gitignore subset, as Helm's pkg/ignore: a pattern with a "/" matches
// the path, one without matches any path element; "dir/" directories;
// "!" re-includes)
func ignored(rules []string, rel string, dir bool) bool {
	out := false
	for _, r := range rules {
		neg := strings.HasPrefix(r, "!")
		r = strings.TrimPrefix(r, "!")
		if strings.HasSuffix(r, "/") {
			if !dir {
				continue
			}
			r = strings.TrimSuffix(r, "/")
		}
		hit := false
		if strings.Contains(r, "/") {
			hit, _ = path.Match(strings.TrimPrefix(r, "/"), rel)
		} else {
			for _, el := range strings.Split(rel, "/") {
				if ok, _ := path.Match(r, el); ok {
					hit = true
				}
			}
		}
		if hit {
			out = !neg
		}
	}
	return out
}

// ---- main ----

type multi []string

func (m *multi) String() string     { return strings.Join(*m, ",") }
func (m *multi) Set(s string) error { *m = append(*m, s); return nil }

func readYAMLFile(name string) (map[string]interface{}, error) {
	b, err := os.ReadFile(name)
	if err != nil {
		return nil, err
	}
	m := map[string]interface{}{}
	if err = yaml.Unmarshal(b, &m); err != nil {
		return nil, fmt.Errorf("failed to parse %s: %v", name, err)
	}
	return m, nil
}

func run() error {
	var valueFiles, sets, setStrings multi
	name := flag.String("name", "octopod", "release name")
	namespace := flag.String("namespace", "default", "release namespace")
	upgrade := flag.Bool("upgrade", false, ".Release.IsUpgrade (else IsInstall)")
	kubeVer := flag.String("kube-version", "v1.31.0", ".Capabilities.KubeVersion")
	apiVers := flag.String("api-versions", "", "extra .Capabilities.APIVersions, comma-separated")
	lookupFile := flag.String("lookup", "", "YAML stream of the objects lookup finds")
	strict := flag.Bool("strict", false, "missingkey=error (helm lint --strict)")
	notes := flag.Bool("notes", false, "print the rendered NOTES.txt last")
	raw := flag.Bool("raw", false, "print every template's output as it is, before Helm's manifest handling")
	asJSON := flag.Bool("json", false, "print {manifests: [{source, text, object}], notes} (object: the JSON the API server receives)")
	flag.Var(&valueFiles, "f", "values file (repeatable)")
	flag.Var(&sets, "set", "K=V (repeatable)")
	flag.Var(&setStrings, "set-string", "K=V as a string (repeatable)")
	flag.Parse()
	if flag.NArg() != 1 {
		return errors.New("usage: render [options] CHART_DIR")
	}
	dir := flag.Arg(0)

	var meta chartMeta
	b, err := os.ReadFile(filepath.Join(dir, "Chart.yaml"))
	if err != nil {
		return err
	}
	if err = yaml.Unmarshal(b, &meta); err != nil {
		return fmt.Errorf("cannot load Chart.yaml: %v", err)
	}
	if meta.APIVersion != "v2" || meta.Name == "" || meta.Version == "" {
		return errors.New("Chart.yaml: apiVersion v2, name and version are required")
	}
	defaults, err := readYAMLFile(filepath.Join(dir, "values.yaml"))
	if err != nil {
		return err
	}

	// user values: -f files in order, then --set, then --set-string
	user := map[string]interface{}{}
	for _, f := range valueFiles {
		m, err := readYAMLFile(f)
		if err != nil {
			return err
		}
		user = mergeMaps(user, m)
	}
	for _, s := range sets {
		for _, a := range splitSet(s) {
			if err = setValue(user, a, false); err != nil {
				return fmt.Errorf("failed parsing --set data: %v", err)
			}
		}
	}
	for _, s := range setStrings {
		for _, a := range splitSet(s) {
			if err = setValue(user, a, true); err != nil {
				return fmt.Errorf("failed parsing --set-string data: %v", err)
			}
		}
	}
	values := coalesce(user, defaults)

	e := &engine{strict: *strict, depth: map[string]int{}}
	if *lookupFile != "" {
		b, err := os.ReadFile(*lookupFile)
		if err != nil {
			return err
		}
		for _, d := range sepRe.Split(string(b), -1) {
			o := map[string]interface{}{}
			if err = yaml.Unmarshal([]byte(d), &o); err != nil {
				return fmt.Errorf("%s: %v", *lookupFile, err)
			}
			if len(o) > 0 {
				e.cluster = append(e.cluster, o)
			}
		}
	}

	// the chart's files: templates to parse, the rest for .Files
	tfiles := map[string]string{}
	chartFiles := files{}
	root := meta.Name
	var rules []string
	if b, err := os.ReadFile(filepath.Join(dir, ".helmignore")); err == nil {
		for _, l := range strings.Split(string(b), "\n") {
			if l = strings.TrimSpace(l); l != "" && !strings.HasPrefix(l, "#") {
				rules = append(rules, l)
			}
		}
	}
	rules = append(rules, "templates/.?*") // Helm's default rule
	err = filepath.Walk(dir, func(p string, info os.FileInfo, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(dir, p)
		rel = filepath.ToSlash(rel)
		if rel == "." {
			return nil
		}
		if ignored(rules, rel, info.IsDir()) {
			if info.IsDir() {
				return filepath.SkipDir
			}
			return nil
		}
		if info.IsDir() {
			if rel == "charts" {
				return filepath.SkipDir
			}
			return nil
		}
		data, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		switch {
		case strings.HasPrefix(rel, "templates/"):
			tfiles[root+"/"+rel] = string(data)
		case rel == "Chart.yaml" || rel == "values.yaml" || rel == "values.schema.json" || rel == ".helmignore":
		default:
			chartFiles[rel] = data
		}
		return nil
	})
	if err != nil {
		return err
	}

	av := append(versionSet{}, defaultAPIVersions...)
	if *apiVers != "" {
		av = append(av, strings.Split(*apiVers, ",")...)
	}
	kv := strings.SplitN(strings.TrimPrefix(*kubeVer, "v"), ".", 3)
	if len(kv) < 2 {
		return fmt.Errorf("invalid kube version %q", *kubeVer)
	}
	top := map[string]interface{}{
		"Values": values,
		"Chart":  &meta,
		"Files":  chartFiles,
		"Release": map[string]interface{}{
			"Name": *name, "Namespace": *namespace, "Revision": 1,
			"IsUpgrade": *upgrade, "IsInstall": !*upgrade, "Service": "Helm",
		},
		"Capabilities": &capabilities{
			KubeVersion: kubeVersion{Version: "v" + strings.Join(kv, "."), Major: kv[0], Minor: kv[1]},
			APIVersions: av,
			HelmVersion: map[string]string{"Version": "v3.14.0"},
		},
	}

	// one template set: every file parsed under its full name, higher
	// files first (Helm's sortTemplates), then each non-partial run
	names := make([]string, 0, len(tfiles))
	for n := range tfiles {
		names = append(names, n)
	}
	sort.Slice(names, func(i, j int) bool {
		ci, cj := strings.Count(names[i], "/"), strings.Count(names[j], "/")
		if ci != cj {
			return ci > cj
		}
		return names[i] > names[j]
	})
	e.tpl = template.New("gotpl").Option(e.missingKey())
	e.tpl.Funcs(e.funcs())
	for _, n := range names {
		if _, err := e.tpl.New(n).Parse(tfiles[n]); err != nil {
			return parseError(n, err)
		}
	}
	var out []manifest
	var notesText string
	// executed in that order too (so the first failing template is the
	// one Helm names), then handled in file name order
	texts := map[string]string{}
	for _, n := range names {
		if strings.HasPrefix(path.Base(n), "_") {
			continue
		}
		top["Template"] = map[string]interface{}{"Name": n, "BasePath": root + "/templates"}
		var buf bytes.Buffer
		if err := e.tpl.ExecuteTemplate(&buf, n, top); err != nil {
			return execError(err)
		}
		texts[n] = strings.ReplaceAll(buf.String(), "<no value>", "")
	}
	sort.Strings(names)
	for _, n := range names {
		text, ok := texts[n]
		switch {
		case !ok:
			continue
		case *raw:
			out = append(out, manifest{source: n, text: text})
			continue
		case strings.HasSuffix(n, "NOTES.txt"):
			notesText = text
			continue
		}
		// each document must be YAML with a kind, as Helm's manifest
		// sorter insists
		for _, d := range sepRe.Split(text, -1) {
			if strings.TrimSpace(d) == "" {
				continue
			}
			var head struct {
				Kind string `json:"kind"`
			}
			if err := yaml.Unmarshal([]byte(d), &head); err != nil {
				return fmt.Errorf("YAML parse error on %s: %v", n, err)
			}
			out = append(out, manifest{source: n, text: strings.TrimSpace(d), kind: head.Kind})
		}
	}
	sort.SliceStable(out, func(i, j int) bool {
		if *raw {
			return false
		}
		// by kind, unknown kinds last by name; else in file and
		// document order (Helm's sortManifestsByKind)
		ri, rj := kindRank(out[i].kind), kindRank(out[j].kind)
		if ri == len(installOrder) && rj == ri {
			return out[i].kind < out[j].kind
		}
		return ri < rj
	})
	if *asJSON {
		return printJSON(out, notesText, !*raw)
	}
	w := bytes.Buffer{}
	for _, m := range out {
		fmt.Fprintf(&w, "---\n# Source: %s\n%s\n", m.source, m.text)
	}
	if *notes {
		fmt.Fprintf(&w, "---\n# Source: %s/templates/NOTES.txt\n%s\n", root, notesText)
	}
	_, err = os.Stdout.Write(w.Bytes())
	return err
}

// printJSON: the manifests with, unless -raw, each one's object as
// sigs.k8s.io/yaml turns it into JSON (what Helm's kube client sends), and
// the notes
func printJSON(out []manifest, notes string, objects bool) error {
	type jm struct {
		Source string          `json:"source"`
		Text   string          `json:"text"`
		Object json.RawMessage `json:"object,omitempty"`
	}
	res := struct {
		Manifests []jm   `json:"manifests"`
		Notes     string `json:"notes"`
	}{Manifests: []jm{}, Notes: notes}
	for _, m := range out {
		var o []byte
		var err error
		if objects {
			if o, err = yaml.YAMLToJSON([]byte(m.text)); err != nil {
				return fmt.Errorf("YAML parse error on %s: %v", m.source, err)
			}
		}
		res.Manifests = append(res.Manifests, jm{Source: m.source, Text: m.text, Object: o})
	}
	b, err := json.Marshal(res)
	if err != nil {
		return err
	}
	_, err = os.Stdout.Write(append(b, '\n'))
	return err
}

func main() {
	if err := run(); err != nil {
		fmt.Fprintf(os.Stderr, "Error: %v\n", err)
		os.Exit(1)
	}
}
