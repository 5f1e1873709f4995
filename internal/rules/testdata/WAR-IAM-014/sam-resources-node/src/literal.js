const AWS = require('aws-sdk');

const db = new AWS.DynamoDB.DocumentClient();

exports.handler = async (event) => {
  const { Item } = await db.get({ TableName: 'orders-prod', Key: { id: event.id } }).promise();
  return Item;
};
