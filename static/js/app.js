// octopod web UI: the router, the header, live updates and the dialogs.
import { api, enc, signIn } from './api.js';
import { h, toast, tickTimes } from './util.js';
import { Live } from './live.js';
import { ListView } from './list.js';
import { DetailView } from './detail.js';
import { openPanel } from './form.js';

const app = {
	live: new Live(),
	view: null,
	project: null,
};
window.octopod = app; // for the browser tests and the curious

const MODE_TEXT = {
	connecting: ['Connecting…', 'Connecting to the server'],
	live: ['● Live', 'Changes appear as they happen'],
	polling: ['↻ Every few seconds', 'Live updates are unavailable; the page re-reads the server every few seconds'],
	offline: ['⚠ Offline', 'The server cannot be reached; retrying'],
};

function route() {
	const raw = location.hash.replace(/^#/, '') || '/';
	const [path, query] = raw.split('?');
	const m = path.match(/^\/deployments\/([^/]+)\/?$/);
	if (m) return { view: 'detail', name: decodeURIComponent(m[1]) };
	return { view: 'list', params: ListView.parseParams(new URLSearchParams(query || '')) };
}

function show() {
	const r = route();
	const main = document.getElementById('main');
	if (app.view && app.view.kind === r.view && r.view === 'detail' && app.view.name === r.name) return;
	if (app.view && app.view.kind === 'list' && r.view === 'list') {
		// the list writes its own state to the hash; a typed-in hash reloads it
		const p = r.params, q = app.view.p;
		if (p.q === q.q && p.status === q.status && p.archived === q.archived && p.sort === q.sort && p.order === q.order) return;
	}
	if (app.view) app.view.unmount();
	if (r.view === 'detail') {
		app.view = new DetailView(app, r.name);
		app.view.kind = 'detail';
		document.title = `${r.name} · octopod`;
		app.view.mount(main);
	} else {
		app.view = new ListView(app);
		app.view.kind = 'list';
		document.title = 'Deployments · octopod';
		app.view.mount(main, r.params);
		window.scrollTo(0, 0);
	}
}

// Roles (docs/API.md): what the signed-in person may do, from GET project's
// "you". app.may(kind) is null when allowed (or not known yet: the server
// decides anyway), else the reason, shown on the disabled control.
const NEEDS = { create: 'deployer', edit: 'deployer', archive: 'deployer', restore: 'deployer', pin: 'deployer', unpin: 'deployer', cleanup: 'admin' };
const DOING = { create: 'Creating a deployment', edit: 'Editing', archive: 'Archiving', restore: 'Restoring', pin: 'Pinning', unpin: 'Unpinning', cleanup: 'Deleting for good' };
const RANK = { viewer: 1, deployer: 2, admin: 3 };
app.may = (kind) => {
	const you = app.project && app.project.you;
	const need = NEEDS[kind];
	if (!you || !need || (RANK[you.role] || 0) >= RANK[need]) return null;
	return `${DOING[kind]} needs the ${need} role; you (${you.name}) are ${you.role === 'admin' ? 'an' : 'a'} ${you.role}`;
};

function applyRole() {
	const nb = document.getElementById('new-btn');
	const why = app.may('create');
	nb.disabled = !!why;
	nb.title = why || '';
	if (why) nb.setAttribute('aria-description', why); else nb.removeAttribute('aria-description');
	const you = app.project && app.project.you;
	document.getElementById('whoami').textContent = you ? `signed in as ${you.name} (${you.role})` : (app.project && app.project.actor ? `signed in as ${app.project.actor}` : '');
	// UI_AUTH=oidc: Sign out ends the session on the server
	document.getElementById('signout-btn').hidden = !(app.project && app.project.auth === 'oidc');
	if (app.view && app.view.rolesChanged) app.view.rolesChanged();
}

async function signOut() {
	try {
		const r = await api('POST', 'auth/logout');
		signIn(r.login);
	} catch (e) {
		toast('Could not sign out: ' + e.message, 'error');
	}
}

app.openEdit = (d) => openPanel(app, 'edit', d);
app.changed = (d) => {
	// a change we made: show it at once, whatever the live channel does
	if (!app.view) return;
	if (app.view.kind === 'list') app.view.refetchOne(d.name, true);
	else if (app.view.name === d.name) app.view.load();
};

const CONFIRM = {
	archive: (d, p) => ({
		title: `Archive ${d.name}?`,
		text: `${d.name} will be stopped and stop using resources. Its settings are kept: you can restore it from the Archived list. Archived deployments are deleted for good after ${Math.max(1, Math.round((p?.settings?.archive_retention ?? 1209600) / 86400))} days.`,
		button: `Archive ${d.name}`, cls: 'primary',
	}),
	restore: (d) => ({
		title: `Restore ${d.name}?`,
		text: `${d.name} will be deployed again with tag ${d.tag} and its saved overrides.`,
		button: `Restore ${d.name}`, cls: 'primary',
	}),
	cleanup: (d) => ({
		title: `Delete ${d.name} for good?`,
		text: `Everything that is left of ${d.name} will be removed and it disappears from the list. Its past actions stay visible. This cannot be undone.`,
		button: `Delete ${d.name}`, cls: 'danger',
	}),
};

app.confirmAction = (kind, d) => {
	const dlg = document.getElementById('confirm');
	const c = CONFIRM[kind](d, app.project);
	const err = h('div', { class: 'form-error', role: 'alert', hidden: true });
	const ok = h('button', { type: 'submit', class: c.cls, id: 'confirm-ok' }, c.button);
	const cancel = h('button', { type: 'button', id: 'confirm-cancel', onclick: () => dlg.close() }, 'Cancel');
	const form = h('form', { method: 'dialog' },
		h('h2', { id: 'confirm-title' }, c.title),
		h('p', { id: 'confirm-text' }, c.text),
		err,
		h('div', { class: 'dialog-buttons' }, cancel, ok));
	form.addEventListener('submit', async (ev) => {
		ev.preventDefault();
		ok.disabled = true;
		err.hidden = true;
		try {
			const r = await api('POST', `deployments/${enc(d.name)}/${kind}`, { ifMatch: d.version });
			dlg.close();
			toast({ archive: `Archiving ${d.name}…`, restore: `Restoring ${d.name}…`, cleanup: `Deleting ${d.name}…` }[kind]);
			app.changed(r.deployment || d);
		} catch (e) {
			err.hidden = false;
			err.textContent = e.code === 'version_conflict'
				? `${d.name} changed meanwhile (someone else acted on it). Close this, look at its current state, and try again.`
				: e.message;
			ok.disabled = false;
			ok.focus();
		}
	});
	dlg.replaceChildren(form);
	dlg.showModal();
	cancel.focus();
};

function setMode(m) {
	const el = document.getElementById('conn');
	const [txt, title] = MODE_TEXT[m] || [m, ''];
	el.textContent = txt;
	el.title = title;
	el.dataset.mode = m;
}

function banner(msg) {
	const b = document.getElementById('banner');
	b.hidden = !msg;
	b.textContent = msg || '';
}

function init() {
	setMode('connecting');
	const live = app.live;
	live.addEventListener('mode', (e) => {
		setMode(e.detail);
		if (e.detail === 'offline') banner('The octopod server cannot be reached. What you see may be out of date; the page keeps trying.');
	});
	live.addEventListener('event', (e) => app.view && app.view.onEvent(e.detail));
	live.addEventListener('poll', () => app.view && app.view.poll());
	live.addEventListener('resync', (e) => {
		banner(null);
		const s = Math.round(e.detail.offlineMs / 1000);
		if (e.detail.offlineMs > 0) toast(`Back online after ${s} s offline; the page has been brought up to date.`, 'info', 6000);
		app.view && app.view.resync();
	});
	live.start();
	document.getElementById('new-btn').addEventListener('click', () => openPanel(app, 'create'));
	document.getElementById('signout-btn').addEventListener('click', signOut);
	window.addEventListener('hashchange', show);
	window.addEventListener('unhandledrejection', (e) => { toast('Something went wrong: ' + (e.reason && e.reason.message || e.reason), 'error'); });
	window.addEventListener('error', (e) => { toast('Something went wrong: ' + e.message, 'error'); });
	document.addEventListener('keydown', (e) => {
		if (e.key === '/' && !e.target.closest('input,textarea,select,dialog')) {
			const s = document.getElementById('search');
			if (s) { e.preventDefault(); s.focus(); }
		}
	});
	setInterval(() => tickTimes(), 15000);
	api('GET', 'project').then((p) => {
		app.project = p;
		document.getElementById('project-name').textContent = p.name;
		applyRole();
	}).catch((e) => toast('Could not load the project: ' + e.message, 'error'));
	show();
}

init();
