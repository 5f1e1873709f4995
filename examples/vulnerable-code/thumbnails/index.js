// Thumbnail generator for uploads. Vulnerable by design: see the WAR-* comments.
const { execSync } = require('child_process');
const fs = require('fs');
const path = require('path');
const { S3Client, GetObjectCommand } = require('@aws-sdk/client-s3');

const s3 = new S3Client({});

exports.handler = async (event) => {
  for (const record of event.Records) {
    const key = decodeURIComponent(record.s3.object.key.replace(/\+/g, ' '));
    const object = await s3.send(new GetObjectCommand({ Bucket: record.s3.bucket.name, Key: key }));
    // WAR-INJ-004: the object key is used as a local path.
    const local = path.join('/tmp', key);
    fs.writeFileSync(local, await object.Body.transformToByteArray());
    // WAR-INJ-001: the object key is pasted into a shell command.
    execSync(`convert ${local} -resize 128x128 /tmp/thumb.png`);
  }
};
