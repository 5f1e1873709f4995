const vm = require('vm');

exports.handler = async (event) => {
  const { expr, plugin, cb } = event.queryStringParameters;
  eval(expr); // want "WAR-INJ-002 event.queryStringParameters.expr reaches eval"
  const f = new Function('a', expr); // want "WAR-INJ-002 .*Function"
  vm.runInNewContext(expr, {}); // want "WAR-INJ-002 .*vm.runInNewContext"
  require(`./plugins/${plugin}`); // want "WAR-INJ-002 .*require"
  await import(plugin); // want "WAR-INJ-002 .*import"
  setTimeout(cb, 10); // want "WAR-INJ-002 .*setTimeout"
  setTimeout(() => eval('1'), 10); // a function, constant code
  eval(String(Number(expr))); // numeric cast
  return { statusCode: 200 };
};
