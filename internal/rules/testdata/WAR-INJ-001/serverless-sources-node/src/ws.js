const { exec } = require('child_process');
const Ajv = require('ajv');

const ajv = new Ajv();
const schema = { type: 'object', properties: { room: { type: 'string', pattern: '^[a-z]+$' } } };

exports.handler = async (event, context) => {
  const msg = JSON.parse(event.body);
  exec(`say ${msg.text}`); // want "WAR-INJ-001 event.body reaches child_process.exec .*websocket"
  exec(`log ${event.requestContext.connectionId}`); // set by API Gateway
  if (!ajv.validate(schema, msg)) {
    return { statusCode: 400 };
  }
  exec(`join ${msg.room}`); // validated against a schema
  exec(`device ${context.clientContext.env.model}`); // want "WAR-INJ-001 context.clientContext"
  return { statusCode: 200 };
};

exports.stream = async (event) => {
  for (const r of event.Records) {
    const data = Buffer.from(r.kinesis.data, 'base64').toString('utf8');
    exec('ingest ' + data); // want "WAR-INJ-001 event.Records\\[\\*\\].kinesis.data .*stream"
  }
};
