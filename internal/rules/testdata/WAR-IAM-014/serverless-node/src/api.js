const { S3Client, PutObjectCommand } = require('@aws-sdk/client-s3');

const s3 = new S3Client({});

exports.handler = async (event) => {
  const key = `exports/${Date.now()}.json`;
  await s3.send(new PutObjectCommand({ Bucket: process.env.BUCKET, Key: key, Body: event.body }));
  return { statusCode: 202, body: key };
};
