// Starts and stops a real `sluice agent` for the KafkaJS end-to-end test: free loopback ports, a
// temporary data directory, readiness = GET /v1/status answering 200 with JSON.
'use strict';

const { spawn } = require('child_process');
const fs = require('fs');
const http = require('http');
const net = require('net');
const os = require('os');
const path = require('path');

const repoRoot = path.resolve(__dirname, '..', '..', '..');

function sluiceBinary() {
  const i = process.argv.indexOf('--sluice');
  if (i >= 0) return process.argv[i + 1];
  return process.env.SLUICE_BIN || path.join(repoRoot, 'build', 'sluice');
}

function freePort() {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

function getStatus(port) {
  return new Promise((resolve) => {
    const req = http.get({ host: '127.0.0.1', port, path: '/v1/status', timeout: 2000 }, (res) => {
      let body = '';
      res.on('data', (d) => (body += d));
      res.on('end', () => {
        try {
          JSON.parse(body);
          resolve(res.statusCode === 200);
        } catch (e) {
          resolve(false);
        }
      });
    });
    req.on('error', () => resolve(false));
    req.on('timeout', () => req.destroy());
  });
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

async function startAgent(extraArgs = []) {
  const binary = sluiceBinary();
  if (!fs.existsSync(binary)) throw new Error(`sluice binary not found at ${binary}`);
  // Logs go next to the data directory, never into it: it belongs to the agent.
  const workDir = fs.mkdtempSync(path.join(os.tmpdir(), 'sluice-e2e-js-'));
  const dataDir = path.join(workDir, 'data');
  const kafkaPort = await freePort();
  const httpPort = await freePort();
  const logPath = path.join(workDir, 'agent.log');
  const log = fs.openSync(logPath, 'w');
  const args = ['agent', '-kafkaPort', String(kafkaPort), '-httpPort', String(httpPort),
    '-dataDir', dataDir, '-advertiseHostname', '127.0.0.1', '-batchTimeout', '5ms', ...extraArgs];
  const child = spawn(binary, args, { stdio: ['ignore', log, log] });
  fs.closeSync(log);
  let exitCode = null;
  const exited = new Promise((resolve) => child.on('exit', (code, signal) => {
    exitCode = code === null ? `signal ${signal}` : code;
    resolve(exitCode);
  }));
  const agent = {
    bootstrap: `127.0.0.1:${kafkaPort}`, kafkaPort, httpPort, dataDir, child,
    logTail(lines = 40) {
      try {
        return fs.readFileSync(logPath, 'utf8').split('\n').slice(-lines).join('\n');
      } catch (e) {
        return '(no agent log)';
      }
    },
    // SIGTERM, then the exit code (SIGKILL and an error after 20 s).
    async stop() {
      if (exitCode !== null) return exitCode;
      child.kill('SIGTERM');
      let timer;
      const timeout = new Promise((r) => { timer = setTimeout(() => r('timeout'), 20000); });
      const result = await Promise.race([exited, timeout]);
      clearTimeout(timer);  // a pending timer would keep node alive for 20 s
      if (result === 'timeout') {
        child.kill('SIGKILL');
        throw new Error('agent ignored SIGTERM for 20 s');
      }
      return result;
    },
    cleanup() {
      if (exitCode === null) child.kill('SIGKILL');
      fs.rmSync(workDir, { recursive: true, force: true });
    },
  };
  const deadline = Date.now() + 30000;
  while (Date.now() < deadline) {
    if (exitCode !== null) {
      const message = `agent exited with ${exitCode}\n${agent.logTail()}`;
      agent.cleanup();
      throw new Error(message);
    }
    if (await getStatus(httpPort)) return agent;
    await sleep(50);
  }
  agent.cleanup();
  throw new Error(`agent not ready after 30 s\n${agent.logTail()}`);
}

module.exports = { startAgent, sluiceBinary };
