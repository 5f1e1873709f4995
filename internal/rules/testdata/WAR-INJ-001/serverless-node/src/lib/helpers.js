const { exec } = require('child_process');

function archive(name) {
  return run(`tar czf /tmp/out.tgz ${name}`);
}

const run = (line) => exec(line); // want "WAR-INJ-001 event.body reaches child_process.exec"

module.exports = { archive };
