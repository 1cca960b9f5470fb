// Boots a DUT with the raw steps alone, as the baseline of bench/startup.ts.
// It starts the node containers through the Docker API and, at the same
// time, a paused QEMU with the command line that bench/startup.ts built with
// alpy's buildQemuArgs. It then moves the taps with the same `ip` and
// `nsenter` commands that alpy runs, sends `cont` over QMP and reads the
// console until the boot prompt. It is plain JavaScript run by `node`, so
// that its start costs no TypeScript loader.
//
//   node bench/raw-boot.mjs PLAN.json
//
// PLAN.json: { qemu, args, taps, qmpSocket, consoleSocket, nodeImage,
// containerNames, labels, expect }. The script prints `node-containers`,
// `qemu-paused`, `wired`, `cont` and `booted` lines, each with the epoch time
// in ms, then quits QEMU, removes its containers and prints `released`.
import { spawn } from 'node:child_process';
import { readFileSync, existsSync } from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';

const plan = JSON.parse(readFileSync(process.argv[2], 'utf8'));

function now() {
  return performance.timeOrigin + performance.now();
}

function mark(name) {
  process.stdout.write(`${name} ${now().toFixed(1)}\n`);
}

/** Sends one request to the Docker Engine API on its unix socket and returns the parsed JSON body. */
function dockerApi(method, path, body) {
  return new Promise((resolve, reject) => {
    const payload = body === undefined ? undefined : JSON.stringify(body);
    const request = http.request(
      {
        socketPath: '/var/run/docker.sock',
        method,
        path,
        headers: payload === undefined ? {} : { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(payload) },
      },
      (response) => {
        const chunks = [];
        response.on('data', (chunk) => chunks.push(chunk));
        response.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          if (response.statusCode >= 300) {
            reject(new Error(`Docker API ${method} ${path} failed with status ${response.statusCode}: ${text}`));
            return;
          }
          resolve(text === '' ? undefined : JSON.parse(text));
        });
      },
    );
    request.on('error', reject);
    request.end(payload);
  });
}

/** Creates and starts one node container and returns the host pid of its process. */
async function startNode(name) {
  const created = await dockerApi('POST', `/containers/create?name=${encodeURIComponent(name)}`, {
    Image: plan.nodeImage,
    Labels: plan.labels,
    HostConfig: { NetworkMode: 'none', CapDrop: ['ALL'] },
  });
  await dockerApi('POST', `/containers/${created.Id}/start`);
  const inspected = await dockerApi('GET', `/containers/${created.Id}/json`);
  return { id: created.Id, pid: inspected.State.Pid };
}

/** Runs a command and resolves when it exits with code 0. */
function run(command, args, input) {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { stdio: [input === undefined ? 'ignore' : 'pipe', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (chunk) => (stderr += chunk));
    child.on('error', reject);
    child.on('exit', (code) => (code === 0 ? resolve() : reject(new Error(`${command} ${args.join(' ')} exited with ${code}: ${stderr}`))));
    if (input !== undefined) {
      child.stdin.end(input);
    }
  });
}

async function waitForFile(file) {
  while (!existsSync(file)) {
    await sleep(5);
  }
}

function connect(path) {
  return new Promise((resolve, reject) => {
    const socket = net.createConnection(path);
    socket.once('connect', () => resolve(socket));
    socket.once('error', reject);
  });
}

/** Sends one QMP command and resolves with its reply; QMP replies in order, events are skipped. */
function qmpCommand(qmp, command) {
  return new Promise((resolve, reject) => {
    let buffer = '';
    const onData = (chunk) => {
      buffer += chunk;
      for (const line of buffer.split('\n').slice(0, -1)) {
        const message = JSON.parse(line);
        if ('return' in message || 'error' in message) {
          qmp.off('data', onData);
          return 'error' in message ? reject(new Error(`QMP ${command}: ${message.error.desc}`)) : resolve(message.return);
        }
      }
      buffer = buffer.slice(buffer.lastIndexOf('\n') + 1);
    };
    qmp.on('data', onData);
    qmp.write(`${JSON.stringify({ execute: command })}\n`);
  });
}

async function startQemu() {
  const qemu = spawn(plan.qemu, plan.args, { stdio: ['ignore', 'ignore', 'inherit'] });
  await waitForFile(plan.qmpSocket);
  await waitForFile(plan.consoleSocket);
  const qmp = await connect(plan.qmpSocket);
  qmp.setEncoding('utf8');
  // The greeting arrives first; qmpCommand skips it because it has no `return`.
  await qmpCommand(qmp, 'qmp_capabilities');
  const consoleSocket = await connect(plan.consoleSocket);
  return { qemu, qmp, consoleSocket };
}

const [nodes, vm] = await Promise.all([
  Promise.all(plan.containerNames.map(startNode)).then((started) => {
    mark('node-containers');
    return started;
  }),
  startQemu().then((started) => {
    mark('qemu-paused');
    return started;
  }),
]);

await Promise.all(
  plan.taps.map(async (tap, index) => {
    const pid = String(nodes[index].pid);
    await run('ip', ['link', 'set', 'dev', tap, 'netns', pid]);
    await run('nsenter', [`--net=/proc/${pid}/ns/net`, 'ip', '-batch', '-'], `link set dev ${tap} name eth0\nlink set dev eth0 up\n`);
  }),
);
mark('wired');

let consoleText = '';
const booted = new Promise((resolve) => {
  vm.consoleSocket.on('data', (chunk) => {
    consoleText += chunk.toString('latin1');
    if (consoleText.includes(plan.expect)) {
      resolve();
    }
  });
});
await qmpCommand(vm.qmp, 'cont');
mark('cont');
await booted;
mark('booted');

const exited = new Promise((resolve) => vm.qemu.on('exit', resolve));
await qmpCommand(vm.qmp, 'quit').catch(() => undefined);
await exited;
vm.qmp.destroy();
vm.consoleSocket.destroy();
await Promise.all(nodes.map((node) => dockerApi('DELETE', `/containers/${node.id}?force=true&v=true`)));
mark('released');
