// The spec's Socket.IO client (npm socket.io-client@4) against the studio port: prints one JSON line per event;
// the Java test reads them and drives the job between them. Usage: node socketio-client.js <url> <token> <foreign> <job>
const { io } = require('socket.io-client');
const [url, token, foreignJobId, jobId] = process.argv.slice(2);
const out = (o) => process.stdout.write(JSON.stringify(o) + '\n');

function refused(auth, label) {
  return new Promise((resolve) => {
    const s = io(url, { transports: ['websocket'], auth, reconnection: false, forceNew: true });
    s.on('connect', () => out({ event: 'connect', label }));
    s.on('connect_error', (err) => { out({ event: 'connect_error', label, message: err.message }); s.close(); resolve(); });
  });
}

(async () => {
  await refused({ token: 'not-a-token' }, 'bad');
  await refused({}, 'missing');
  const socket = io(url, { transports: ['websocket'], auth: { token }, reconnection: false, forceNew: true });
  socket.on('connect_error', (err) => { out({ event: 'connect_error', label: 'good', message: err.message }); process.exit(2); });
  socket.on('error', (e) => out({ event: 'error', job_id: e.job_id, code: e.code }));
  socket.on('job_update', (u) => {
    out({ event: 'job_update', job_id: u.job_id, status: u.status, progress: u.progress, message: u.message, timestamp: u.timestamp });
    if (u.job_id === jobId && u.status === 'completed') { socket.close(); process.exit(0); }
  });
  socket.on('connect', () => {
    out({ event: 'connect', label: 'good' });
    socket.emit('subscribe_job', { job_id: foreignJobId }, (ack) => {
      out({ event: 'ack', job_id: foreignJobId, ok: ack.ok === true, code: ack.code });
      socket.emit('subscribe_job', { job_id: jobId }, (ack2) => out({ event: 'ack', job_id: jobId, ok: ack2.ok === true }));
    });
  });
})();
setTimeout(() => { out({ event: 'timeout' }); process.exit(3); }, 60000);
