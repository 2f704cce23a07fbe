// The list of deployments: search, status filter, sort, the archived
// section; pages through the API (cursor) as you scroll, updates rows in place.
import { api, enc } from './api.js';
import { h, badge, timeEl, statusLabel, isArchivedStatus, toast, expiryEl } from './util.js';

export const PAGE = 100;
const NEAR_PX = 600;      // the next page is read when its button comes this close
const ACTIVE_STATUSES = ['Running', 'Failure', 'CreatePending', 'UpdatePending', 'ArchivePending'];
const ARCHIVED_STATUSES = ['Archived', 'CleanupFailed'];
const SHOWN_OVERRIDES = 3;

export function overrideChips(d, expanded, onToggle) {
	const all = [
		...(d.app_overrides || []).map((o) => ({ ...o, scope: 'app' })),
		...(d.deployment_overrides || []).map((o) => ({ ...o, scope: 'deployment' })),
	];
	if (!all.length) return null;
	const shown = expanded ? all : all.slice(0, SHOWN_OVERRIDES);
	const box = h('div', { class: 'chips', 'aria-label': 'Overrides' },
		shown.map((o) => h('span', { class: `chip ${o.scope}`, title: `${o.scope === 'app' ? 'App' : 'Deployment'} override${o.secret ? ' (secret: value hidden)' : ''}` },
			h('span', { class: 'k' }, o.key), '=',
			o.secret ? h('span', { class: 'v secret', 'aria-label': 'secret value hidden' }, '•••••') : h('span', { class: 'v' }, o.value))));
	if (all.length > SHOWN_OVERRIDES) {
		box.append(h('button', { type: 'button', class: 'link more', 'aria-expanded': String(!!expanded), onclick: onToggle },
			expanded ? 'show fewer' : `+${all.length - SHOWN_OVERRIDES} more`));
	}
	return box;
}

// Only http and https links become anchors (an `info` script's
// "javascript:…" or "data:…" is shown as text, never followed).
export function safeUrl(u) {
	try {
		const p = new URL(u);
		return p.protocol === 'http:' || p.protocol === 'https:' ? p.href : null;
	} catch {
		return null;
	}
}

export function linksEl(d) {
	if (!d.links || !d.links.length) return null;
	return h('span', { class: 'links' }, d.links.map((l) => {
		const url = safeUrl(l.url);
		return url ? h('a', { href: url, target: '_blank', rel: 'noopener noreferrer', class: 'ext' }, l.name || l.url)
			: h('span', { class: 'ext bad-link', title: 'not an http(s) link: ' + l.url }, l.name || l.url);
	}));
}

export class ListView {
	constructor(app) {
		this.app = app;
		this.rows = [];           // deployments in display order
		this.els = new Map();     // name -> {sig, el}
		this.expanded = new Set();
		this.cursor = null;
		this.done = false;
		this.loaded = false;      // a first page has been read
		this.seq = 0;
		this.p = { q: '', status: '', archived: false, sort: 'name', order: 'asc' };
	}

	static parseParams(sp) {
		return {
			q: sp.get('q') || '',
			status: sp.get('status') || '',
			archived: sp.get('archived') === '1',
			sort: ['name', 'created', 'updated'].includes(sp.get('sort')) ? sp.get('sort') : 'name',
			order: sp.get('order') === 'desc' ? 'desc' : 'asc',
		};
	}

	mount(main, params) {
		this.p = params;
		this.main = main;
		const statusOpts = () => [h('option', { value: '' }, 'All statuses'),
			...(this.p.archived ? ARCHIVED_STATUSES : ACTIVE_STATUSES).map((s) => h('option', { value: s }, statusLabel(s)))];
		this.search = h('input', { id: 'search', type: 'search', placeholder: 'name, tag, key or value', autocomplete: 'off', spellcheck: 'false', value: this.p.q });
		this.statusSel = h('select', { id: 'status-filter' }, statusOpts());
		this.statusSel.value = this.p.status;
		this.sortSel = h('select', { id: 'sort' },
			h('option', { value: 'name:asc' }, 'Name (A→Z)'), h('option', { value: 'name:desc' }, 'Name (Z→A)'),
			h('option', { value: 'created:desc' }, 'Newest first'), h('option', { value: 'created:asc' }, 'Oldest first'),
			h('option', { value: 'updated:desc' }, 'Recently changed'), h('option', { value: 'updated:asc' }, 'Least recently changed'));
		this.sortSel.value = `${this.p.sort}:${this.p.order}`;
		this.tabActive = h('button', { type: 'button', class: 'tab', 'aria-pressed': String(!this.p.archived), onclick: () => this.setTab(false) }, 'Active');
		this.tabArchived = h('button', { type: 'button', class: 'tab', 'aria-pressed': String(this.p.archived), onclick: () => this.setTab(true) }, 'Archived');
		this.summary = h('p', { class: 'summary muted', id: 'summary', 'aria-live': 'polite' });
		this.ul = h('ul', { class: 'rows', id: 'rows', 'aria-labelledby': 'list-title' });
		this.more = h('button', { type: 'button', class: 'more-btn', hidden: true, onclick: () => this.loadMore() }, 'Load more');
		this.err = h('div', { class: 'inline-error', role: 'alert', hidden: true });
		main.replaceChildren(
			h('h1', { id: 'list-title', class: 'sr-only' }, 'Deployments'),
			h('div', { class: 'toolbar', role: 'search' },
				h('div', { class: 'tabs', role: 'group', 'aria-label': 'Which deployments' }, this.tabActive, this.tabArchived),
				h('label', { class: 'field grow' }, h('span', null, 'Search'), this.search),
				h('label', { class: 'field' }, h('span', null, 'Status'), this.statusSel),
				h('label', { class: 'field' }, h('span', null, 'Sort'), this.sortSel)),
			this.summary, this.err, this.ul, this.more);
		// No fixed delay: a keystroke searches at once; while a search is on
		// its way, further keystrokes wait for it and the latest text goes next
		// (one request at a time, never one per key while the server is busy).
		const onSearch = () => {
			if (this.searching) { this.searchAgain = true; return; }
			this.searching = true;
			(async () => {
				try {
					do {
						this.searchAgain = false;
						if (this.search.value.trim() !== this.p.q) await this.reload();
					} while (this.searchAgain);
				} finally {
					this.searching = false;
				}
			})();
		};
		this.search.addEventListener('input', onSearch);
		this.search.addEventListener('keydown', (e) => { if (e.key === 'Escape' && this.search.value) { this.search.value = ''; onSearch(); } });
		this.statusSel.addEventListener('change', () => { this.p.status = this.statusSel.value; this.p.q = this.search.value.trim(); this.reload(); });
		this.sortSel.addEventListener('change', () => {
			[this.p.sort, this.p.order] = this.sortSel.value.split(':');
			this.p.q = this.search.value.trim();
			this.reload();
		});
		this.refreshStatusOptions = () => { this.statusSel.replaceChildren(...statusOpts()); this.statusSel.value = this.p.status; };
		// An entry is computed at one frame and delivered later: by then the
		// first page may have pushed the button far down. Load only when it
		// is near the viewport now.
		this.io = new IntersectionObserver((es) => {
			if (es.some((e) => e.isIntersecting) && this.nearViewport()) this.loadMore();
		}, { rootMargin: `${NEAR_PX}px` });
		this.io.observe(this.more);
		this.reload();
	}

	unmount() { this.io && this.io.disconnect(); this.abort && this.abort.abort(); }

	setTab(archived) {
		if (this.p.archived === archived) return;
		this.p.archived = archived;
		this.p.status = '';
		this.tabActive.setAttribute('aria-pressed', String(!archived));
		this.tabArchived.setAttribute('aria-pressed', String(archived));
		this.refreshStatusOptions();
		this.reload();
	}

	query(cursor, limit = PAGE) {
		const sp = new URLSearchParams();
		if (this.p.q) sp.set('q', this.p.q);
		if (this.p.status) sp.set('status', this.p.status);
		sp.set('archived', this.p.archived ? 'true' : 'false');
		sp.set('sort', this.p.sort);
		sp.set('order', this.p.order);
		sp.set('limit', String(limit));
		if (cursor) sp.set('cursor', cursor);
		return 'deployments?' + sp.toString();
	}

	saveHash() {
		const sp = new URLSearchParams();
		if (this.p.q) sp.set('q', this.p.q);
		if (this.p.status) sp.set('status', this.p.status);
		if (this.p.archived) sp.set('archived', '1');
		if (this.p.sort !== 'name') sp.set('sort', this.p.sort);
		if (this.p.order !== 'asc') sp.set('order', this.p.order);
		const s = sp.toString();
		history.replaceState(null, '', '#/' + (s ? '?' + s : ''));
	}

	async reload() {
		this.p.q = this.search.value.trim(); // the box is the truth, even mid-search
		this.saveHash();
		this.abort && this.abort.abort();
		this.abort = new AbortController();
		const seq = ++this.seq;
		this.loading = true;
		this.main.setAttribute('aria-busy', 'true');
		try {
			const r = await api('GET', this.query(null), { signal: this.abort.signal });
			if (seq !== this.seq) return;
			this.rows = r.deployments;
			this.cursor = r.next_cursor;
			this.done = !r.next_cursor;
			this.loaded = true;
			this.showError(null);
			this.render(true);
			this.app.live.reportReachable(true);
		} catch (e) {
			if (e.name === 'AbortError' || seq !== this.seq) return;
			this.showError(e);
			if (e.status === 0) this.app.live.reportReachable(false);
		} finally {
			if (seq === this.seq) { this.loading = false; this.main.removeAttribute('aria-busy'); }
		}
	}

	nearViewport() {
		return !this.more.hidden && this.more.getBoundingClientRect().top < innerHeight + NEAR_PX;
	}

	async loadMore() {
		if (this.loading || this.done || !this.cursor) return;
		this.loading = true;
		const seq = this.seq;
		try {
			const r = await api('GET', this.query(this.cursor), { signal: this.abort.signal });
			if (seq !== this.seq) return;
			const have = new Set(this.rows.map((d) => d.name));
			const add = r.deployments.filter((d) => !have.has(d.name));
			this.rows.push(...add);
			this.cursor = r.next_cursor;
			this.done = !r.next_cursor;
			const frag = document.createDocumentFragment();
			for (const d of add) frag.append(this.rowEl(d));
			this.ul.append(frag);
			this.updateSummary();
		} catch (e) {
			if (e.name !== 'AbortError') this.showError(e);
		} finally {
			if (seq === this.seq) this.loading = false;
		}
	}

	showError(e) {
		if (!e) { this.err.hidden = true; return; }
		this.err.hidden = false;
		this.err.replaceChildren(h('span', null, 'Could not load the deployments: ' + e.message + ' '),
			h('button', { type: 'button', onclick: () => this.reload() }, 'Try again'));
	}

	updateSummary() {
		const n = this.rows.length;
		const what = this.p.archived ? 'archived deployment' : 'deployment';
		let s;
		if (!n) {
			s = this.p.q || this.p.status ? `No ${what}s match.` : (this.p.archived ? 'Nothing is archived.' : 'No deployments yet. Create one with “New deployment”.');
		} else s = this.done ? `${n} ${what}${n === 1 ? '' : 's'}` : `${n} ${what}s shown, more below`;
		if (this.p.q) s += ` matching “${this.p.q}”`;
		if (this.p.status) s += ` with status ${statusLabel(this.p.status)}`;
		this.summary.textContent = s;
		this.more.hidden = this.done || !this.cursor;
	}

	sig(d) {
		return [d.version, d.status, d.busy, d.failure_reason, d.updated_at, d.updated_by, d.tag,
			JSON.stringify(d.links), JSON.stringify(d.app_overrides), JSON.stringify(d.deployment_overrides),
			this.expanded.has(d.name)].join('|');
	}

	rowEl(d) {
		const archived = isArchivedStatus(d.status);
		const busy = d.busy || /Pending$/.test(d.status);
		const expiry = expiryEl(d);
		const el = h('li', { class: 'row' + (busy ? ' busy' : ''), dataset: { name: d.name, status: d.status } },
			h('div', { class: 'r-head' },
				h('a', { class: 'r-name', href: '#/deployments/' + enc(d.name) }, d.name),
				badge(d),
				h('span', { class: 'tag', title: 'Tag (the version deployed)' }, h('span', { class: 'muted' }, 'tag '), h('code', null, d.tag))),
			h('div', { class: 'r-body' }, linksEl(d),
				overrideChips(d, this.expanded.has(d.name), () => {
					if (this.expanded.has(d.name)) this.expanded.delete(d.name); else this.expanded.add(d.name);
					this.updateRow(d, true);
					const b = this.els.get(d.name)?.el.querySelector('.more');
					b && b.focus();
				})),
			h('div', { class: 'r-meta muted' },
				'created ', timeEl(d.created_at), ' by ', h('span', { class: 'who' }, d.created_by),
				' · changed ', timeEl(d.updated_at), ' by ', h('span', { class: 'who' }, d.updated_by),
				expiry ? [' · ', expiry] : null),
			h('div', { class: 'r-actions' },
				archived
					? h('button', { type: 'button', disabled: busy || d.status !== 'Archived' || !!this.app.may('restore'),
						title: this.app.may('restore') || null, onclick: () => this.app.confirmAction('restore', d) }, 'Restore')
					: h('button', { type: 'button', disabled: busy || !['Running', 'Failure'].includes(d.status) || !!this.app.may('edit'),
						title: this.app.may('edit') || (busy ? 'Busy: wait until the current action ends' : null),
						'aria-label': `Edit ${d.name}`, onclick: () => this.app.openEdit(d) }, 'Edit')));
		this.els.set(d.name, { sig: this.sig(d), el });
		return el;
	}

	updateRow(d, force) {
		const cur = this.els.get(d.name);
		if (!cur) return;
		if (!force && cur.sig === this.sig(d)) return;
		const had = cur.el.contains(document.activeElement) ? [...cur.el.querySelectorAll('a,button')].indexOf(document.activeElement) : -1;
		const el = this.rowEl(d);
		cur.el.replaceWith(el);
		if (had >= 0) { const f = el.querySelectorAll('a,button')[had]; f && !f.disabled && f.focus(); }
	}

	// the person's role is known (app.js applyRole): redraw the buttons
	// (before the first page there is nothing to redraw, and no summary to give)
	rolesChanged() {
		if (this.loaded) this.render(true);
	}

	render(full) {
		if (full) {
			this.els.clear();
			const frag = document.createDocumentFragment();
			for (const d of this.rows) frag.append(this.rowEl(d));
			this.ul.replaceChildren(frag);
		}
		this.updateSummary();
	}

	matches(d) {
		if (this.p.archived !== isArchivedStatus(d.status)) return false;
		if (this.p.status && !this.p.status.split(',').includes(d.status)) return false;
		return true;
	}

	removeRow(name) {
		const i = this.rows.findIndex((x) => x.name === name);
		if (i >= 0) this.rows.splice(i, 1);
		const cur = this.els.get(name);
		if (cur) { cur.el.remove(); this.els.delete(name); }
		this.updateSummary();
	}

	// A websocket event.
	onEvent(ev) {
		if (ev.type === 'deployment_removed') { this.removeRow(ev.name); return; }
		if (ev.type !== 'deployment') return;
		const d = this.rows.find((x) => x.name === ev.name);
		if (d) {
			const changed = ev.version !== d.version;
			for (const k of ['status', 'busy', 'failure_reason', 'version']) if (k in ev) d[k] = ev[k];
			if (!this.matches(d)) { this.removeRow(d.name); return; }
			this.updateRow(d);
			if (changed) this.refetchOne(d.name);
		} else if (this.matches(ev) && !this.p.q) {
			this.refetchOne(ev.name, true);
		}
	}

	async refetchOne(name, insert) {
		try {
			const d = await api('GET', 'deployments/' + enc(name));
			const i = this.rows.findIndex((x) => x.name === name);
			if (i >= 0) { this.rows[i] = d; this.updateRow(d); return; }
			if (insert && this.matches(d)) {
				this.rows.unshift(d);
				const el = this.rowEl(d);
				el.classList.add('fresh');
				this.ul.prepend(el);
				this.updateSummary();
			}
		} catch (e) {
			if (e.status === 404) this.removeRow(name);
		}
	}

	// No websocket: re-read the rows on screen (the first pages of this query).
	async poll() {
		if (this.loading) return;
		const seq = this.seq;
		const n = Math.min(Math.max(this.rows.length, 50), 500);
		let r;
		try {
			r = await api('GET', this.query(null, n));
			this.app.live.reportReachable(true);
		} catch (e) {
			if (e.status === 0 || e.status >= 502) this.app.live.reportReachable(false);
			return;
		}
		if (seq !== this.seq || this.loading) return;
		const fresh = r.deployments;
		let rows;
		if (this.rows.length <= n) {
			rows = fresh;
			this.cursor = r.next_cursor;
			this.done = !r.next_cursor;
		} else {
			const names = new Set(fresh.map((d) => d.name));
			rows = fresh.concat(this.rows.slice(n).filter((d) => !names.has(d.name)));
		}
		const sameOrder = rows.length === this.rows.length && rows.every((d, i) => d.name === this.rows[i].name);
		this.rows = rows;
		if (sameOrder) {
			for (const d of rows) this.updateRow(d);
			this.updateSummary();
		} else {
			// keep the elements that did not change, rebuild the rest, in order
			const old = this.els;
			this.els = new Map();
			const frag = document.createDocumentFragment();
			for (const d of rows) {
				const o = old.get(d.name);
				if (o && o.sig === this.sig(d)) { this.els.set(d.name, o); frag.append(o.el); } else frag.append(this.rowEl(d));
			}
			this.ul.replaceChildren(frag);
			this.updateSummary();
		}
	}

	resync() { this.reload(); }
}
