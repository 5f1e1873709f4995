import { S3Client, GetObjectCommand } from '@aws-sdk/client-s3';

const s3 = new S3Client({});

export const handler = async (event) => {
  for (const record of event.Records) {
    const { key } = JSON.parse(record.body);
    await s3.send(new GetObjectCommand({ Bucket: process.env.BUCKET, Key: key }));
  }
};
