const mysql = require('mysql2/promise');
const { Client } = require('pg');
const knex = require('knex')({ client: 'pg' });
const { MongoClient } = require('mongodb');
const { DynamoDBDocumentClient, ScanCommand } = require('@aws-sdk/lib-dynamodb');

module.exports.main = async (event) => {
  const body = JSON.parse(event.body);
  const conn = await mysql.createConnection({ host: 'db' });
  await conn.query(`SELECT * FROM orders WHERE id = ${body.id}`); // want "WAR-INJ-003 event.body reaches query"
  const pg = new Client();
  await pg.query('SELECT * FROM t WHERE name = \'' + body.name + '\''); // want "WAR-INJ-003"
  await knex.raw(`DELETE FROM t WHERE id = ${body.id}`); // want "WAR-INJ-003 .*raw"
  const users = new MongoClient('mongodb://db').db('app').collection('users');
  await users.findOne({ user: body.user, pass: body.pass }); // want "WAR-INJ-003 .*MongoDB findOne with an operator object"
  await users.find({ $where: `this.name == '${body.name}'` }); // want "WAR-INJ-003 .*\\$where"
  const doc = DynamoDBDocumentClient.from(null);
  await doc.send(new ScanCommand({ TableName: 't', FilterExpression: 'owner = ' + body.owner })); // want "WAR-INJ-003 .*FilterExpression"

  // Negative cases.
  await conn.query('SELECT * FROM orders WHERE id = ?', [body.id]);
  await pg.query('SELECT * FROM t WHERE name = $1', [body.name]);
  await knex('t').where({ id: body.id });
  await users.findOne({ user: String(body.user), pass: String(body.pass) });
  await doc.send(new ScanCommand({ TableName: 't', FilterExpression: 'owner = :o', ExpressionAttributeValues: { ':o': body.owner } }));
  return { statusCode: 200 };
};
