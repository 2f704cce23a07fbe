// The detail page (#/deployments/NAME): status, timeline, links, effective
// configuration, actions with their output (live while an action runs).
import { api, enc } from './api.js';
import { h, badge, timeEl, statusLabel, actionStateBadge, duration, debounce, isArchivedStatus, expiryEl, toast } from './util.js';
import { linksEl } from './list.js';

const KIND = { create: 'Create', update: 'Update', archive: 'Archive', restore: 'Restore', cleanup: 'Clean up' };

function requestSummary(a) {
	const r = a.request || {};
	const parts = [];
	if (r.tag) parts.push(`tag ${r.tag}`);
	for (const s of ['app', 'deployment']) {
		const o = r[`${s}_overrides`];
		if (!o) continue;
		const sets = Array.isArray(o) ? o : (o.set || []);
		for (const x of sets) parts.push(`${x.key}=${x.secret ? '•••••' : x.value}`);
		for (const k of (Array.isArray(o) ? [] : (o.unset || []))) parts.push(`removed ${k}`);
	}
	return parts.join(', ');
}

class OutputView {
	constructor(app, action) {
		this.app = app;
		this.id = action.id;
		this.last = 0;
		this.finished = false;
		this.pre = h('pre', { class: 'output', tabindex: '0', 'aria-label': `Output of action ${action.id}`, 'aria-live': 'off' });
		this.status = h('p', { class: 'muted out-status', 'aria-live': 'polite' }, 'Loading the output…');
		this.el = h('div', { class: 'out-box', id: `out-${action.id}` }, this.pre, this.status);
		this.load();
	}

	async load() {
		if (this.fetching) { this.again = true; return; }
		this.fetching = true;
		try {
			let r;
			for (;;) {
				r = await api('GET', `actions/${this.id}/output?after=${this.last}&limit=1000`);
				this.append(r.chunks);
				if (r.last_seq != null) this.last = Math.max(this.last, r.last_seq);
				this.finished = r.finished;
				if (!r.chunks.length || r.finished || r.chunks.length < 1000) break;
			}
			const gone = r.output_removed;
			this.status.textContent = this.finished
				? (gone && !this.pre.textContent ? `Output removed after ${gone.after_days} days (on ${new Date(gone.at).toLocaleDateString()}); the record above stays.`
					: this.pre.textContent ? 'End of output.' : 'This action printed nothing.')
				: (this.app.live.live ? 'Running: new output appears here as it is printed.' : 'Running: new output appears here every second or so.');
			this.status.classList.remove('error');
		} catch (e) {
			this.status.textContent = 'Could not load the output: ' + e.message;
			this.status.classList.add('error');
		} finally {
			this.fetching = false;
		}
		if (this.again) { this.again = false; return this.load(); }
		if (!this.finished) this.follow();
		else this.stop();
	}

	append(chunks) {
		if (!chunks || !chunks.length) return;
		const atEnd = this.pre.scrollTop + this.pre.clientHeight >= this.pre.scrollHeight - 4;
		const frag = document.createDocumentFragment();
		for (const c of chunks) {
			if (c.seq <= this.last) continue;
			frag.append(c.stream === 'stderr' ? h('span', { class: 'stderr' }, c.data) : c.data);
			this.last = c.seq;
		}
		this.pre.append(frag);
		if (atEnd) this.pre.scrollTop = this.pre.scrollHeight;
	}

	follow() {
		if (!this.subscribed) this.subscribed = this.app.live.subscribeOutput(this.id, this.last);
		clearTimeout(this.timer);
		// with the websocket, a slow safety poll; without it, every second
		this.timer = setTimeout(() => this.load(), this.app.live.live ? 5000 : 1000);
	}

	onOutputEvent(ev) {
		if (ev.chunks) { this.append(ev.chunks); if (ev.finished) this.load(); return; }
		if (ev.seq > this.last) this.load();
	}

	stop() {
		clearTimeout(this.timer);
		if (this.subscribed) { this.app.live.unsubscribeOutput(this.id); this.subscribed = false; }
	}
}

export class DetailView {
	constructor(app, name) {
		this.app = app;
		this.name = name;
		this.outputs = new Map(); // action id -> OutputView (open ones)
		this.autoOpened = new Set();
		this.refresh = debounce(() => this.load(), 150);
	}

	mount(main) {
		this.main = main;
		main.replaceChildren(h('p', { class: 'muted' }, 'Loading ', this.name, '…'));
		this.load(true);
	}

	unmount() { for (const o of this.outputs.values()) o.stop(); this.gone = true; }

	async load(first) {
		const n = enc(this.name);
		const [d, hist, acts] = await Promise.allSettled([
			api('GET', `deployments/${n}`), api('GET', `deployments/${n}/history?limit=500`), api('GET', `deployments/${n}/actions?limit=50`)]);
		if (this.gone) return;
		const net = [d, hist, acts].find((x) => x.status === 'rejected' && (x.reason.status === 0 || x.reason.status >= 502));
		this.app.live.reportReachable(!net);
		if (net && !first) return; // keep showing what we had; the header says we are offline
		if (!this.defaults) {
			this.defaults = {};
			for (const s of ['app', 'deployment']) {
				try { this.defaults[s] = (await api('GET', `default_overrides?scope=${s}`)).overrides || []; }
				catch (e) { this.defaults[s] = []; this.defaultsError = e.message; }
			}
		}
		this.d = d.status === 'fulfilled' ? d.value : null;
		this.dErr = d.status === 'rejected' ? d.reason : null;
		this.history = hist.status === 'fulfilled' ? hist.value.history : null;
		this.histErr = hist.status === 'rejected' ? hist.reason : null;
		this.actions = acts.status === 'fulfilled' ? acts.value.actions : null;
		this.actErr = acts.status === 'rejected' ? acts.reason : null;
		this.render(first);
	}

	// the person's role is known (app.js applyRole): redraw the buttons
	rolesChanged() {
		if (this.d) this.render(false);
	}

	render(first) {
		const d = this.d;
		const focusId = document.activeElement && this.main.contains(document.activeElement) ? document.activeElement.id : null;
		const parts = [h('nav', { class: 'crumbs' }, h('a', { href: '#/' }, '← All deployments'))];
		if (!d) {
			const gone = this.dErr && this.dErr.status === 404;
			parts.push(h('h1', { id: 'detail-title', tabindex: '-1' }, this.name),
				h('div', { class: 'inline-error', role: 'alert' }, gone
					? `There is no deployment named ${this.name}. It may have been cleaned up; its past actions are below if there were any.`
					: `Could not load ${this.name}: ${this.dErr.message}`));
		} else {
			const busy = d.busy || /Pending$/.test(d.status);
			const may = (k) => this.app.may(k);
			const can = (k) => !busy && !may(k) && ({ edit: ['Running', 'Failure'], archive: ['Running', 'Failure'], restore: ['Archived'], cleanup: ['Archived', 'CleanupFailed'] })[k].includes(d.status);
			const btn = (k, label, cls) => h('button', { type: 'button', id: `do-${k}`, class: cls || null, disabled: !can(k),
				title: may(k) || (busy ? 'Busy: wait until the current action ends' : null),
				onclick: () => k === 'edit' ? this.app.openEdit(d) : this.app.confirmAction(k, d) }, label);
			parts.push(
				h('div', { class: 'detail-head' },
					h('h1', { id: 'detail-title', tabindex: '-1' }, d.name), badge(d)),
				h('p', { class: 'detail-sub' },
					h('span', null, 'tag ', h('code', null, d.tag)), ' ', linksEl(d)),
				h('p', { class: 'muted' }, 'created ', timeEl(d.created_at), ' by ', d.created_by,
					' · changed ', timeEl(d.updated_at), ' by ', d.updated_by,
					' · status since ', timeEl(d.status_changed_at),
					d.checked_at ? [' · last checked ', timeEl(d.checked_at)] : null),
				isArchivedStatus(d.status) ? null : h('p', { class: 'expiry-line' },
					expiryEl(d) || h('span', { class: 'muted' }, 'never expires'), ' ',
					h('button', { type: 'button', id: 'do-pin', 'aria-pressed': d.pinned ? 'true' : 'false',
						disabled: !!may(d.pinned ? 'unpin' : 'pin'),
						title: may(d.pinned ? 'unpin' : 'pin') || (d.pinned ? 'Let it expire again' : 'Keep it: it will not expire while pinned'),
						onclick: () => this.togglePin(d) }, d.pinned ? 'Unpin' : 'Pin')),
				busy ? h('p', { class: 'note' }, h('span', { class: 'spinner', 'aria-hidden': 'true' }), ` ${statusLabel(d.status)} Changes are possible again when this ends.`) : null,
				this.checkFailureEl(d),
				h('div', { class: 'detail-actions' },
					isArchivedStatus(d.status)
						? [btn('restore', 'Restore', 'primary'), btn('cleanup', 'Delete for good…', 'danger')]
						: [btn('edit', 'Edit', 'primary'), btn('archive', 'Archive…')]),
				(() => {
					// why the buttons are greyed out, in words (a title is easy to miss)
					const k = isArchivedStatus(d.status) ? (may('restore') ? 'restore' : 'cleanup') : 'edit';
					return may(k) ? h('p', { class: 'note', id: 'role-note' }, may(k)) : null;
				})(),
				this.configEl(d));
		}
		parts.push(this.timelineEl(), this.actionsEl());
		this.main.replaceChildren(...parts.filter((x) => x != null));
		if (first) document.getElementById('detail-title')?.focus({ preventScroll: true });
		else if (focusId) document.getElementById(focusId)?.focus({ preventScroll: true });
	}

	async togglePin(d) {
		try {
			const r = await api('POST', `deployments/${enc(d.name)}/${d.pinned ? 'unpin' : 'pin'}`);
			this.d = r.deployment;
			toast(r.deployment.pinned ? `${d.name} is pinned: it will not expire` : `${d.name} is unpinned`);
			this.render(false);
		} catch (e) {
			toast(`Could not ${d.pinned ? 'unpin' : 'pin'} ${d.name}: ${e.message}`);
		}
	}

	// Why the last failing status check failed: its own words (masked,
	// at most 4 KiB, as the server keeps them), its exit code and when.
	checkFailureEl(d) {
		const f = d.last_check_failure;
		if (!f) return null;
		return h('section', { class: 'card check-failure', id: 'check-failure', 'aria-labelledby': 'cf-title' },
			h('h2', { id: 'cf-title' }, 'Last failed check'),
			h('p', { class: 'muted' }, `exit code ${f.exit_code} · `, timeEl(f.at),
				d.status === 'Failure' ? null : ' · the deployment has recovered since'),
			h('pre', { class: 'output', tabindex: '0', 'aria-label': 'Output of the last failed check' }, f.output));
	}

	configEl(d) {
		const sec = h('section', { class: 'card', 'aria-labelledby': 'cfg-title' }, h('h2', { id: 'cfg-title' }, 'Configuration'));
		for (const s of ['app', 'deployment']) {
			const defs = new Map((this.defaults[s] || []).map((o) => [o.key, o.value]));
			const ovs = new Map((d[`${s}_overrides`] || []).map((o) => [o.key, o]));
			const keys = [...new Set([...defs.keys(), ...ovs.keys()])].sort();
			const title = s === 'app' ? 'App' : 'Deployment';
			if (!keys.length) { sec.append(h('p', { class: 'muted' }, `${title}: no overrides, nothing set by default.`)); continue; }
			sec.append(h('table', { class: 'cfg' }, h('caption', null, title),
				h('thead', null, h('tr', null, h('th', { scope: 'col' }, 'Key'), h('th', { scope: 'col' }, 'Value'), h('th', { scope: 'col' }, 'Where from'))),
				h('tbody', null, keys.map((k) => {
					const o = ovs.get(k);
					const val = o ? (o.deleted ? h('del', null, defs.get(k) ?? '') : o.secret ? h('span', { class: 'secret' }, '••••• (secret)') : o.value) : defs.get(k);
					const from = o ? (o.deleted ? 'default removed' : defs.has(k) ? `override (default: ${defs.get(k)})` : 'override') : 'default';
					return h('tr', { class: o ? 'is-override' : 'is-default' }, h('th', { scope: 'row' }, h('code', null, k)), h('td', null, h('code', null, val)), h('td', { class: 'muted' }, from));
				}))));
		}
		if (this.defaultsError) sec.append(h('p', { class: 'muted' }, `Defaults are unavailable: ${this.defaultsError}`));
		return sec;
	}

	timelineEl() {
		const sec = h('section', { class: 'card', 'aria-labelledby': 'tl-title' }, h('h2', { id: 'tl-title' }, 'Timeline'));
		if (this.histErr) { sec.append(h('p', { class: 'inline-error' }, 'Could not load the timeline: ' + this.histErr.message)); return sec; }
		const items = (this.history || []).slice().reverse();
		if (!items.length) { sec.append(h('p', { class: 'muted' }, 'Nothing yet.')); return sec; }
		sec.append(h('ol', { class: 'timeline', reversed: true }, items.map((e) => h('li', null,
			h('span', { class: `dot s-${e.to}`, 'aria-hidden': 'true' }),
			h('strong', null, statusLabel(e.to)),
			e.from ? h('span', { class: 'muted' }, ` from ${statusLabel(e.from)}`) : null,
			e.reason ? h('span', null, ` · ${e.reason}`) : null,
			h('span', { class: 'muted' }, ' · by ', e.actor, ' · ', timeEl(e.at))))));
		return sec;
	}

	actionsEl() {
		const sec = h('section', { class: 'card', 'aria-labelledby': 'act-title' }, h('h2', { id: 'act-title' }, 'Actions'));
		if (this.actErr) {
			if (this.actErr.status !== 404) sec.append(h('p', { class: 'inline-error' }, 'Could not load the actions: ' + this.actErr.message));
			else sec.append(h('p', { class: 'muted' }, 'No actions.'));
			return sec;
		}
		const acts = this.actions || [];
		if (!acts.length) { sec.append(h('p', { class: 'muted' }, 'No actions yet.')); return sec; }
		// the newest action opens by itself while it runs
		const top = acts[0];
		if ((top.state === 'running' || top.state === 'queued') && !this.autoOpened.has(top.id)) {
			this.autoOpened.add(top.id);
			if (!this.outputs.has(top.id)) this.outputs.set(top.id, new OutputView(this.app, top));
		}
		const tbody = h('tbody');
		for (const a of acts) {
			const open = this.outputs.get(a.id);
			if (open && !open.finished && a.state !== 'running' && a.state !== 'queued') open.load();
			const summary = requestSummary(a);
			tbody.append(h('tr', { class: 'act', dataset: { id: String(a.id), state: a.state } },
				h('td', null, h('strong', null, KIND[a.kind] || a.kind), summary ? h('div', { class: 'muted small' }, summary) : null),
				h('td', null, actionStateBadge(a), a.error ? h('div', { class: 'muted small' }, a.error) : null),
				h('td', null, a.requested_by),
				h('td', { class: 'num' }, a.exit_code == null ? '—' : String(a.exit_code)),
				h('td', { class: 'num' }, a.duration_ms != null ? duration(a.duration_ms) : (a.started_at ? 'running…' : 'waiting…')),
				h('td', null, timeEl(a.queued_at)),
				h('td', null, h('button', { type: 'button', id: `out-btn-${a.id}`, class: 'link', 'aria-expanded': String(!!open), 'aria-controls': `out-${a.id}`,
					onclick: () => {
						if (this.outputs.has(a.id)) { this.outputs.get(a.id).stop(); this.outputs.delete(a.id); } else this.outputs.set(a.id, new OutputView(this.app, a));
						this.render();
						document.getElementById(`out-btn-${a.id}`)?.focus();
					} }, open ? 'Hide output' : 'Show output'))));
			if (open) tbody.append(h('tr', { class: 'out-row' }, h('td', { colspan: '7' }, open.el)));
		}
		sec.append(h('table', { class: 'acts' },
			h('thead', null, h('tr', null, ['What', 'Result', 'By', 'Exit code', 'Took', 'When', ''].map((t) => h('th', { scope: 'col' }, t)))),
			tbody));
		return sec;
	}

	onEvent(ev) {
		if ((ev.type === 'deployment' || ev.type === 'deployment_removed') && ev.name === this.name) this.refresh();
		else if (ev.type === 'action' && ev.deployment === this.name) this.refresh();
		else if (ev.type === 'output' && this.outputs.has(ev.action)) this.outputs.get(ev.action).onOutputEvent(ev);
	}
	poll() { this.load(); }
	resync() { this.load(); for (const o of this.outputs.values()) if (!o.finished) o.load(); }
}
