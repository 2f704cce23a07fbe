// t/lib/tcpgate.mjs: a TCP gate between the stack and its PostgreSQL,
// for the tests of a database that cannot be reached.
//
//	node t/lib/tcpgate.mjs LISTEN_PORT TARGET_PORT
//
// Forwards 127.0.0.1:LISTEN_PORT to 127.0.0.1:TARGET_PORT (TLS passes
// through untouched). SIGUSR1 makes the host unreachable as a network
// partition does: every connection is cut and new ones are accepted and
// never answered. SIGUSR2 opens it again. Prints "ready" when listening.
import net from 'node:net';

const [listenPort, targetPort] = process.argv.slice(2).map(Number);
let silent = false;
const open = new Set();

const server = net.createServer((c) => {
	open.add(c);
	c.on('close', () => open.delete(c));
	c.on('error', () => {});
	if (silent)
		return;		// accepted, never answered
	const up = net.connect(targetPort, '127.0.0.1');
	open.add(up);
	up.on('close', () => { open.delete(up); c.destroy(); });
	up.on('error', () => c.destroy());
	c.on('close', () => up.destroy());
	c.pipe(up);
	up.pipe(c);
});
function cutAll() {
	for (const s of open)
		s.destroy();
	open.clear();
}
process.on('SIGUSR1', () => { silent = true; cutAll(); });
process.on('SIGUSR2', () => { silent = false; cutAll(); });
process.on('SIGTERM', () => { cutAll(); server.close(); process.exit(0); });
server.listen(listenPort, '127.0.0.1', () => console.log('ready'));
