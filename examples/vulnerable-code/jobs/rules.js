// Rule evaluation for jobs.
function applyRule(rule, state) {
  // WAR-INJ-002: a rule from the message is evaluated as code (cross-file flow).
  return new Function('state', `return (${rule});`)(state);
}

module.exports = { applyRule };
