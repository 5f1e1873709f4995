// Jobs: marks orders done and asks the notifier to tell the customer.
const AWS = require('aws-sdk');

const orders = new AWS.DynamoDB.DocumentClient();
const lambda = new AWS.Lambda();

exports.handler = async (event) => {
  for (const record of event.Records) {
    const order = JSON.parse(record.body);
    await orders.update({
      TableName: process.env.ORDERS_TABLE,
      Key: { id: order.id },
      UpdateExpression: 'SET #s = :done',
      ExpressionAttributeNames: { '#s': 'status' },
      ExpressionAttributeValues: { ':done': 'done' },
    }).promise();
    await lambda.invoke({ FunctionName: process.env.NOTIFY_FUNCTION, InvocationType: 'Event', Payload: JSON.stringify(order) }).promise();
  }
};
