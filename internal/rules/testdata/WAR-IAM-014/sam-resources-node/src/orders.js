const AWS = require('aws-sdk');

const db = new AWS.DynamoDB.DocumentClient();

exports.handler = async (event) => {
  const { Item } = await db.get({ TableName: process.env.TABLE, Key: { id: event.pathParameters.id } }).promise();
  return { statusCode: 200, body: JSON.stringify(Item) };
};
