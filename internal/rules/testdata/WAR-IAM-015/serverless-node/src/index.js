const AWS = require('aws-sdk');
const { DynamoDBClient } = require('@aws-sdk/client-dynamodb');
const { DynamoDBDocumentClient, GetCommand, PutCommand } = require('@aws-sdk/lib-dynamodb');

const ddb = DynamoDBDocumentClient.from(new DynamoDBClient({}));
const sns = new AWS.SNS();

exports.handler = async (event) => {
  const id = event.pathParameters.id;
  const { Item } = await ddb.send(new GetCommand({ TableName: process.env.TABLE, Key: { id } }));
  await ddb.send(new PutCommand({ TableName: process.env.TABLE, Item: { ...Item, seen: true } })); // want "WAR-IAM-015 .*dynamodb:PutItem"
  await sns.publish({ TopicArn: 'arn:aws:sns:eu-west-1:123456789012:orders', Message: id }).promise(); // want "WAR-IAM-015 .*sns:Publish on arn:aws:sns:eu-west-1:123456789012:orders"
  return { statusCode: 200, body: JSON.stringify(Item) };
};
