// t/helm/render.mjs: helm/octopod rendered by Helm's own engine: runs the
// Go renderer of t/helm/render (text/template + Sprig + Helm's functions),
// built by `make build/bin/helm-render` (t/helm-chart.t builds it).
//
//	render(chartDir, {values, lookup, set, strict, raw, namespace, name,
//	    kubeVersion}) -> {docs: [{source, text, object}], notes}
// values: an object given as a -f file; lookup: the objects `lookup`
// finds (the live cluster of an upgrade; none: `helm template`'s empty
// map); set: --set assignments; raw: every template's output as the
// engine returns it (no manifest handling); object: the manifest as
// sigs.k8s.io/yaml turns it into JSON for the API server. Throws
// RenderError with Helm's message when rendering fails.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { spawnSync } from 'node:child_process';

const top = path.resolve(path.dirname(new URL(import.meta.url).pathname), '../..');
export const renderBin = process.env.HELM_RENDER || path.join(top, process.env.O || 'build', 'bin/helm-render');
export class RenderError extends Error {}

export function render(chart, opts = {}) {
	const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'helm-render-'));
	try {
		const args = ['-namespace', opts.namespace || 'octopod', '-name', opts.name || 'octopod', '-notes', '-json'];
		if (opts.strict) args.push('-strict');
		if (opts.raw) args.push('-raw');
		if (opts.kubeVersion) args.push('-kube-version', opts.kubeVersion);
		if (opts.values) {
			fs.writeFileSync(path.join(tmp, 'values.json'), JSON.stringify(opts.values));
			args.push('-f', path.join(tmp, 'values.json'));
		}
		if (opts.lookup) {
			fs.writeFileSync(path.join(tmp, 'cluster.yaml'), opts.lookup.map((o) => JSON.stringify(o)).join('\n---\n'));
			args.push('-lookup', path.join(tmp, 'cluster.yaml'));
		}
		for (const s of opts.set || []) args.push('--set', s);
		const r = spawnSync(renderBin, [...args, chart], { encoding: 'utf8' });
		if (r.error) throw r.error;
		if (r.status !== 0) throw new RenderError(r.stderr.trim());
		const out = JSON.parse(r.stdout);
		return { docs: out.manifests, notes: out.notes };
	} finally {
		fs.rmSync(tmp, { recursive: true, force: true });
	}
}
