exports.handler = async (event) => {
  try {
    await work(event);
  } catch (e) { // want "WAR-ERR-002 catch-all handler in function api"
    return { statusCode: 200, body: '{}' };
  }
  try {
    await work(event);
  } catch { // want "WAR-ERR-002"
  }
  try {
    await work(event);
  } catch (err) {
    console.error('work failed', err);
    return { statusCode: 500, body: '{"message":"internal error"}' };
  }
  try {
    await work(event);
  } catch (err) {
    throw new Error('work failed', { cause: err });
  }
  return { statusCode: 200 };
};

async function work(e) {
  return e;
}
