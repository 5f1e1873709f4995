exports.handler = async (event) => {
  try {
    const body = JSON.parse(event.body);
    return { statusCode: 200, body: JSON.stringify(body) };
  } catch (err) {
    console.error(err);
    if (event.headers['x-debug']) {
      return { statusCode: 500, body: JSON.stringify(err) }; // want "WAR-ERR-001 function api returns exception details"
    }
    return { statusCode: 500, body: err.message }; // want "WAR-ERR-001"
  }
};

exports.quiet = async () => {
  try {
    return { statusCode: 200, body: 'ok' };
  } catch (err) {
    console.error(err);
    return { statusCode: 500, body: JSON.stringify({ message: 'internal error' }) };
  }
};
