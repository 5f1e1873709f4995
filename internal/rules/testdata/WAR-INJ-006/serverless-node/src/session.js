const serialize = require('node-serialize');

exports.handler = async (event) => {
  const cookie = event.headers.cookie;
  const session = serialize.unserialize(Buffer.from(cookie, 'base64').toString()); // want "WAR-INJ-006 event.headers.cookie reaches node-serialize.unserialize"
  const safe = JSON.parse(Buffer.from(cookie, 'base64').toString());
  serialize.unserialize('{"a":1}');
  return { statusCode: 200, body: JSON.stringify({ user: session.user, safe }) };
};
