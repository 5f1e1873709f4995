'use strict';
const cp = require('child_process');
const { execSync, spawn } = require('node:child_process');
const util = require('util');
const helpers = require('./lib/helpers');
const execP = util.promisify(cp.exec);

const ALLOWED = ['ls', 'pwd'];

exports.handler = async (event, context) => {
  const body = JSON.parse(event.body);
  const { file, opts: { mode } } = body;
  cp.exec('cat ' + file); // want "WAR-INJ-001 event.body reaches child_process.exec .*authenticated"
  execSync(`gzip ${mode}`); // want "WAR-INJ-001"
  spawn('sh', ['-c', body.script], { shell: true }); // want "WAR-INJ-001 .*with shell"
  spawn(body.program); // want "WAR-INJ-001"
  cp.execFile('/bin/sh', ['-c', `tar xf ${file}`]); // want "WAR-INJ-001 .*through /bin/sh -c"
  cp.execFile('/usr/bin/tar', ['xf', file]); // arguments, no shell
  await execP(`ls ${event.queryStringParameters.dir}`); // want "WAR-INJ-001 event.queryStringParameters.dir"
  helpers.archive(file);

  // Negative cases.
  spawn('ls', [file]); // arguments without a shell
  cp.exec('uptime'); // constant
  cp.exec('echo ' + Number(body.count)); // numeric cast
  cp.exec('echo ' + parseInt(body.count, 10)); // numeric cast
  if (ALLOWED.includes(body.cmd)) {
    cp.exec(body.cmd); // allowlisted
  }
  const cmd = body.cmd;
  if (!ALLOWED.includes(cmd)) {
    return { statusCode: 400 };
  }
  cp.exec(cmd); // allowlisted by the early return
  if (false) {
    cp.exec(file); // dead branch
  }
  helpers.archive('constant');
  return { statusCode: 200 };
};
